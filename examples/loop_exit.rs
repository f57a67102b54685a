//! LoopExit (SEMANTICS rule 14, `semantics/r26_loop_exit.py`): waiting for something that
//! nothing can ever provide does not hang. Inside the program, `catch_loop_exit` turns it into
//! an error so the program can carry on; uncaught, `try_run` returns it (and `run` panics with
//! it), naming the blocked tasks.
//!
//! gevent raises `LoopExit` in the blocked greenlet; greenery delivers it to the innermost
//! `catch_loop_exit` scope, or ends `run`. This example's output is greenery's own (the
//! gevent script waits on an `Event` and a `Queue`; here a never-completed future and a task
//! blocked forever stand in for them).

use std::future::pending;

fn first_line(exit: &greenery::LoopExit) -> String {
    exit.to_string().lines().next().unwrap_or("").to_string()
}

fn main() {
    let result = greenery::try_run(async {
        let err = greenery::catch_loop_exit(pending::<()>())
            .await
            .unwrap_err();
        println!("pending(): {:?}", first_line(&err));

        let g = greenery::task::Builder::new()
            .name("waits-forever")
            .spawn(pending::<()>());
        let err = greenery::catch_loop_exit(g.task().join())
            .await
            .unwrap_err();
        println!(
            "join() of a task blocked forever: {} | task alive: {}",
            first_line(&err),
            !g.is_finished()
        );
        println!(
            "blocked tasks: {:?}",
            err.blocked()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        );

        // Uncaught: run ends with the report.
        pending::<()>().await;
    });
    match result {
        Ok(()) => println!("not reached"),
        Err(exit) => {
            println!("try_run -> Err:\n{exit}");
            std::process::exit(1);
        }
    }
}
