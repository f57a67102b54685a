//! The synchronous greenlet beyond the reference scripts: rings, deep stacks, re-parenting,
//! GreenletExit's new parent, greenlets moving between green threads, blocking inside
//! greenlets, and the errors that keep misuse from hanging.

mod common;

use std::time::Duration;

use common::{paused, Finally, Log};
use greenery::green::{self, getcurrent, Greenlet};
use greenery::greenlet::Error;

#[test]
fn three_greenlets_pass_a_value_round_a_ring() {
    let log = Log::new();
    let (a, b, c) = (
        Greenlet::<u32>::declare(),
        Greenlet::<u32>::declare(),
        Greenlet::<u32>::declare(),
    );
    for (me, next, name) in [(&a, &b, "a"), (&b, &c, "b"), (&c, &a, "c")] {
        let (next, log) = (next.clone(), log.clone());
        me.set_body(move |mut n| loop {
            log.push(format!("{name} {n}"));
            if n >= 6 {
                return Ok(n);
            }
            n = next.switch(n + 1)?;
        })
        .unwrap();
    }
    assert_eq!(a.switch(0).unwrap(), 6); // c returns 6 to its parent: main
    log.assert("a 0\nb 1\nc 2\na 3\nb 4\nc 5\na 6");
    assert!(a.is_dead() && !b.is_dead() && !c.is_dead());
}

/// A switch is a plain call: it works at any depth, and the stacks of both sides stay intact.
#[test]
fn switching_from_deep_call_stacks() {
    fn dive(depth: u32, main: &Greenlet<u32>) -> Result<u32, Error> {
        if depth == 0 {
            return main.switch(1000);
        }
        let local = [depth as u8; 64]; // frames with data that must survive the switches
        let got = dive(depth - 1, main)?;
        Ok(got + u32::from(local[63] == depth as u8))
    }
    let main = getcurrent::<u32>();
    let g = Greenlet::new(move |_| dive(500, &main));
    assert_eq!(g.switch(0).unwrap(), 1000); // from depth 500, back to main
    assert_eq!(g.switch(7).unwrap(), 507); // the unwinding adds one per intact frame
}

#[test]
fn a_greenlet_reparented_returns_to_its_new_parent() {
    let log = Log::new();
    let main = getcurrent::<&str>();
    let collector = Greenlet::new({
        let (log, main) = (log.clone(), main.clone());
        move |first: &str| {
            log.push(format!("collector got {first}"));
            let next = main.switch("collector waiting")?;
            log.push(format!("collector got {next}"));
            Ok("collector done")
        }
    });
    assert_eq!(collector.switch("start").unwrap(), "collector waiting");
    let worker = Greenlet::new(|x: &str| Ok(if x == "go" { "from worker" } else { x }));
    worker.set_parent(&collector).unwrap();
    assert!(worker.parent().unwrap() == collector);
    // The worker's value goes to the collector, whose own return goes to main.
    assert_eq!(worker.switch("go").unwrap(), "collector done");
    log.assert("collector got start\ncollector got from worker");
    assert!(matches!(
        getcurrent::<&str>().set_parent(&worker),
        Err(Error::CyclicParent)
    ));
}

/// greenlet re-parents a greenlet killed for losing its last reference to the greenlet that
/// dropped it: its `parent` inside the GreenletExit handling is the dropper, and its return
/// value goes there.
#[test]
fn greenlet_exit_goes_to_the_dropper_as_its_new_parent() {
    let log = Log::new();
    let outer = Greenlet::new({
        let log = log.clone();
        move |_: u8| {
            let me = getcurrent::<u8>();
            let victim = Greenlet::new({
                let (log, main) = (log.clone(), me.parent().unwrap());
                move |_: u8| {
                    let got = main.switch(1); // to main; never resumed but by the exit
                    let parent_is_dropper = getcurrent::<u8>().parent().unwrap().parent().is_some();
                    log.push(format!(
                        "victim got {got:?}; parent is the dropper: {parent_is_dropper}"
                    ));
                    Ok(42)
                }
            });
            victim.switch(0)?; // it switches to main, main switches back to us
            log.push("outer drops the victim");
            drop(victim); // GreenletExit raised in it; its 42 comes back here, discarded
            log.push("outer goes on");
            Ok(2)
        }
    });
    assert_eq!(outer.switch(0).unwrap(), 1); // the victim switched to main
    assert_eq!(outer.switch(0).unwrap(), 2);
    log.assert(
        "outer drops the victim
         victim got Err(GreenletExit); parent is the dropper: true
         outer goes on",
    );
}

/// Raw switches inside a green thread give no other task a turn; a blocking call does.
#[test]
fn switches_inside_a_green_thread_do_not_let_other_tasks_run() {
    let log = Log::new();
    paused().block_on(green::thread({
        let log = log.clone();
        move || {
            let l = log.clone();
            let other = green::spawn(move || l.push("other task ran"));
            let main = getcurrent::<u32>();
            let g = Greenlet::new({
                let (log, main) = (log.clone(), main.clone());
                move |mut n: u32| loop {
                    log.push(format!("g {n}"));
                    if n == 2 {
                        green::sleep(Duration::from_millis(1)); // the green thread waits
                    }
                    n = main.switch(n + 1)?;
                }
            });
            let mut n = 0;
            for _ in 0..3 {
                n = g.switch(n).unwrap();
                log.push(format!("main {n}"));
            }
            other.join().unwrap();
        }
    }));
    log.assert(
        "g 0
         main 1
         g 1
         main 2
         g 2
         other task ran
         main 3",
    );
}

/// A greenlet made in one green thread can be switched to from another (it then runs, and
/// blocks, there); one blocked under a green thread is busy for everybody else. When it ends,
/// its value goes to its parent, which must be waiting in a switch: here the parent (main's
/// green thread) is blocked in a join, so the green thread that ran it fails with a clear
/// panic rather than waiting forever in its switch.
#[test]
fn greenlets_move_between_green_threads() {
    let log = Log::new();
    paused().block_on(green::thread({
        let log = log.clone();
        move || {
            let owner = getcurrent::<&'static str>();
            let wanderer = Greenlet::new({
                let log = log.clone();
                move |first: &'static str| {
                    log.push(format!("wanderer started by {first}"));
                    let next = owner.switch("parked")?;
                    log.push(format!("wanderer resumed by {next}"));
                    green::sleep(Duration::from_millis(5)); // blocks the green thread it runs in
                    log.push("wanderer done");
                    Ok("wanderer done")
                }
            });
            assert_eq!(wanderer.switch("main").unwrap(), "parked");
            let w = wanderer.clone();
            let other = green::spawn(move || w.switch("other"));
            green::sleep(Duration::from_millis(1)); // other runs; wanderer blocks under it
            log.push(format!(
                "main to a busy greenlet: {:?}",
                wanderer.switch("main")
            ));
            let err = other.join().unwrap_err();
            log.push(err.to_string());
        }
    }));
    log.assert(
        "wanderer started by main
         wanderer resumed by other
         main to a busy greenlet: Err(Busy)
         wanderer done
         task panicked: greenery: a greenlet ended but its parent is busy (blocked in another green thread, or running), so its result has nowhere to go",
    );
}

/// Outside a green thread nothing could resume a greenlet that blocks: its blocking call
/// panics with an explanation, and the panic reaches the switcher like any greenlet's panic.
#[test]
fn a_greenlet_blocking_outside_a_green_thread_panics_instead_of_hanging() {
    std::panic::set_hook(Box::new(|_| {}));
    let log = Log::new();
    let g = Greenlet::new({
        let log = log.clone();
        move |x: u8| {
            let _finally = Finally(log.clone(), "g".to_string());
            green::sleep(Duration::from_millis(1)); // no green thread to suspend
            Ok(x)
        }
    });
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| g.switch(1)));
    let _ = std::panic::take_hook();
    let message = caught.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("inside a green thread"), "{message}");
    assert!(g.is_dead());
    log.assert("g dropped");
}

#[test]
fn misuse_is_reported_to_the_switcher() {
    let typed = Greenlet::new(|x: u8| Ok(x));
    let as_str = getcurrent::<&str>(); // main waits for a u8 below, not a &str
    let result = Greenlet::new(move |_: u8| as_str.switch("text").map(|_| 0)).switch(1);
    // The greenlet's switch is refused; its `?`-style error is its result, raised in main.
    match result {
        Err(Error::WrongType(mismatch)) => {
            assert_eq!((mismatch.expected(), mismatch.found()), ("u8", "&str"));
        }
        other => panic!("expected WrongType, got {other:?}"),
    }
    let declared = Greenlet::<u8>::declare();
    assert!(matches!(declared.switch(1), Err(Error::NoBody)));
    assert_eq!(typed.switch(3).unwrap(), 3);
    assert!(matches!(typed.set_body(Ok), Err(Error::Started)));
    // Switching to yourself returns what you sent (greenlet does the same).
    assert_eq!(getcurrent::<u8>().switch(9).unwrap(), 9);
}

#[test]
fn a_panic_in_a_greenlet_unwinds_its_parent_at_the_pending_switch() {
    std::panic::set_hook(Box::new(|_| {}));
    let log = Log::new();
    let parent = Greenlet::new({
        let log = log.clone();
        move |_: u8| {
            let _finally = Finally(log.clone(), "parent".to_string());
            let child = Greenlet::new(|_: u8| -> Result<u8, Error> { panic!("deep trouble") });
            child.switch(0)
        }
    });
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parent.switch(0)));
    let _ = std::panic::take_hook();
    let payload = caught.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"deep trouble"));
    log.assert("parent dropped"); // the panic passed through the parent's frames
    assert!(parent.is_dead());
}
