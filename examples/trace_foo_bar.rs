//! gevent_foo_bar with a scheduling trace: the same program as `gevent_foo_bar.rs`, on a
//! runtime built with `Builder::trace`, so every spawn, poll, park, wake and exit is written to
//! a Chrome trace-event file that Perfetto (ui.perfetto.dev) or `chrome://tracing` opens.
//!
//! Run: `cargo run --example trace_foo_bar -- trace_foo_bar.json` (the path defaults to
//! `trace_foo_bar.json`). `docs/trace_foo_bar.svg` is drawn from such a file by
//! `docs/trace_svg.py`. Any other program gets the same trace with `GREENERY_TRACE=out.json`
//! in its environment.

async fn foo() {
    println!("Running in foo");
    greenery::yield_now().await;
    println!("Explicit context switch to foo again");
}

async fn bar() {
    println!("Explicit context to bar");
    greenery::yield_now().await;
    println!("Implicit context switch back to bar");
}

fn main() -> std::io::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or("trace_foo_bar.json".into());
    let rt = greenery::Builder::new().trace(&path).build()?;
    rt.block_on(async {
        let first = greenery::task::Builder::new().name("foo").spawn(foo());
        let second = greenery::task::Builder::new().name("bar").spawn(bar());
        greenery::joinall([first, second]).await;
    });
    drop(rt); // writes the trace
    eprintln!("trace written to {path}");
    Ok(())
}
