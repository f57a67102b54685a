//! seed003_greenlet_test1_test2: the classic greenlet snippet: `test1` and `test2` switch to
//! each other, printing 12, 56, 34, 78.
//!
//! Reference: `../shared/reference/seed003_greenlet_test1_test2.py`; the output matches it
//! line for line.

use greenery::greenlet::{Error, Greenlet};

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

fn main() -> Result<(), Error> {
    greenery::run(async {
        let gr1 = Greenlet::<()>::declare();
        let gr2 = Greenlet::<()>::declare();
        gr1.set_body({
            let gr2 = gr2.clone();
            move |()| async move {
                println!("12");
                gr2.switch(()).await?;
                println!("34");
                gr2.switch(()).await?;
                Ok(())
            }
        })?;
        gr2.set_body({
            let gr1 = gr1.clone();
            move |()| async move {
                println!("56");
                gr1.switch(()).await?;
                println!("78");
                Ok(())
            }
        })?;
        gr1.switch(()).await?;
        // gr2 finished (its return switched to main, its parent); gr1 is still suspended
        // inside its second gr2.switch() and never resumes.
        println!(
            "gr1.dead {} gr2.dead {}",
            py_bool(gr1.is_dead()),
            py_bool(gr2.is_dead())
        );
        Ok(())
    })
}
