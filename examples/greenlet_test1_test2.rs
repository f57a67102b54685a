//! seed003_greenlet_test1_test2: the classic greenlet snippet: `test1` and `test2` switch to
//! each other, printing 12, 56, 34, 78.
//!
//! Reference: `../shared/reference/seed003_greenlet_test1_test2.py`; the output matches it
//! line for line. No event loop: each `switch` is a plain call, as in Python.

use greenery::green::Greenlet;
use greenery::greenlet::Error;

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

fn main() -> Result<(), Error> {
    let gr1 = Greenlet::<()>::declare();
    let gr2 = Greenlet::<()>::declare();

    let test1 = {
        let gr2 = gr2.clone();
        move |()| {
            println!("12");
            gr2.switch(())?;
            println!("34");
            gr2.switch(())?;
            Ok(())
        }
    };
    let test2 = {
        let gr1 = gr1.clone();
        move |()| {
            println!("56");
            gr1.switch(())?;
            println!("78");
            Ok(())
        }
    };
    gr1.set_body(test1)?;
    gr2.set_body(test2)?;

    gr1.switch(())?;
    // gr2 finished (its return switched to main, its parent); gr1 is still suspended inside
    // its second gr2.switch() and never resumes.
    println!(
        "gr1.dead {} gr2.dead {}",
        py_bool(gr1.is_dead()),
        py_bool(gr2.is_dead())
    );
    Ok(())
}
