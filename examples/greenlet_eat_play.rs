//! seed001_greenlet_eat_play: two greenlets hand control to each other with explicit
//! switches; `main` gets control back when `play` returns to its parent.
//!
//! Reference: `../shared/reference/seed001_greenlet_eat_play.py`; the output matches it line
//! for line. As in Python, no event loop is involved: `switch` is a plain call. A switch
//! carries one typed value: `Option<&str>` here, `Some(name)` where the Python passes a name
//! and `None` for an empty `switch()` (Python's `None` result prints the same).

use greenery::green::Greenlet;
use greenery::greenlet::Error;

type Msg = Option<&'static str>;

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

fn main() -> Result<(), Error> {
    // The bodies refer to each other: declare both greenlets, then give them bodies.
    let g1 = Greenlet::<Msg>::declare();
    let g2 = Greenlet::<Msg>::declare();

    let eat = {
        let g2 = g2.clone();
        move |name: Msg| {
            let name = name.unwrap_or_default();
            println!("{name} eat 1");
            g2.switch(Some("egon"))?; // first switch into g2: starts play("egon")
            println!("{name} eat 2");
            g2.switch(None)?; // resumes play after its g1.switch()
            Ok(None)
        }
    };
    let play = {
        let g1 = g1.clone();
        move |name: Msg| {
            let name = name.unwrap_or_default();
            println!("{name} play 1");
            g1.switch(None)?; // resumes eat after its g2.switch("egon")
            println!("{name} play 2");
            Ok(None) // play returns: control goes to g2's parent, main
        }
    };
    g1.set_body(eat)?;
    g2.set_body(play)?;

    let r = g1.switch(Some("egon"))?; // first switch into g1: starts eat("egon")
    println!("main resumed; g1.switch returned {r:?}");
    println!(
        "g1.dead {} g2.dead {}",
        py_bool(g1.is_dead()),
        py_bool(g2.is_dead())
    );
    Ok(())
}
