//! Generators: Python's `yield`, `next`, `send`, `throw`, `close` and `yield from`.
//!
//! A generator is a body that stops at every yield and hands a value to its consumer; the
//! consumer resumes it with a value that the yield evaluates to. greenery's generators are
//! stackless: the body is an ordinary `async` block that receives a yielder [`Co`], and each
//! resume polls it once. A [`Generator`] needs no runtime; an [`AsyncGenerator`]'s body may
//! also await sleeps, sockets or tasks, and is a `Stream`.
//!
//! # Yielding and sending
//!
//! `Generator<Y, R, S, E>` yields `Y`, returns `R`, receives `S` at each yield (default `()`)
//! and may have an `E` thrown in (default [`Infallible`](std::convert::Infallible): nothing
//! can be thrown). [`Co::yield_`] evaluates to `Ok(sent)` or `Err(thrown)`; with `E =
//! Infallible`, `let Ok(x) = co.yield_(v).await;` unpacks it. Creating a generator runs
//! nothing; [`Generator::next`] runs the body to its first yield; [`Generator::send`] delivers
//! a value and runs to the next one. The body's return value comes back once as
//! [`GeneratorState::Complete`]; after that every resume is [`GeneratorError::Finished`].
//!
//! ```
//! use std::{cell::RefCell, rc::Rc};
//! use greenery::generator::{Generator, GeneratorError, GeneratorState::*};
//!
//! let log = Rc::new(RefCell::new(Vec::new()));
//! let l = log.clone();
//! let g: Generator<i32, &str, Option<&str>> = Generator::new(|co| async move {
//!     l.borrow_mut().push("gen start".to_string());
//!     let Ok(x) = co.yield_(1).await;
//!     l.borrow_mut().push(format!("got {x:?}"));
//!     "ret-val"
//! });
//! assert_eq!(g.send(Some("hi")), Err(GeneratorError::JustStarted)); // nothing ran
//! assert!(log.borrow().is_empty());
//! assert_eq!(g.next(), Ok(Yielded(1)));
//! assert_eq!(g.send(Some("a")), Ok(Complete("ret-val")));
//! assert_eq!(g.next(), Err(GeneratorError::Finished));
//! assert_eq!(*log.borrow(), ["gen start", "got Some(\"a\")"]);
//! ```
//!
//! A generator is an [`Iterator`] of its yielded values (each step is `next()`).
//!
//! # Throw, close and guards
//!
//! [`Generator::throw`] makes the pending yield evaluate to `Err(e)`: the body can handle it
//! and go on, or pass it on with `?` (then it comes back as the return value). Python's
//! `finally` blocks are destructors: [`Generator::close`] (and dropping a suspended generator)
//! drops the body where it stands, so they run.
//!
//! ```
//! use std::{cell::RefCell, rc::Rc};
//! use greenery::generator::{Generator, GeneratorState::*};
//!
//! struct Finally(Rc<RefCell<Vec<String>>>, &'static str);
//! impl Drop for Finally {
//!     fn drop(&mut self) { self.0.borrow_mut().push(format!("{} finally", self.1)) }
//! }
//!
//! let log = Rc::new(RefCell::new(Vec::new()));
//! let l = log.clone();
//! let g: Generator<&str, Result<(), String>, (), String> = Generator::new(|co| async move {
//!     let _finally = Finally(l, "body");
//!     loop {
//!         if let Err(e) = co.yield_("ready").await {
//!             co.yield_(if e == "x" { "caught x" } else { "caught" }).await?;
//!         }
//!     }
//! });
//! assert_eq!(g.next(), Ok(Yielded("ready")));
//! assert_eq!(g.throw("x".into()), Ok(Yielded("caught x")));
//! g.close().unwrap();
//! assert_eq!(*log.borrow(), ["body finally"]);
//! ```
//!
//! # Delegation
//!
//! [`Co::yield_from`] is `yield from`: the sub-generator's yields, sends, throws and close
//! pass straight through, and it evaluates to the sub-generator's return value.
//!
//! ```
//! use greenery::generator::{Co, Generator, GeneratorState::*};
//!
//! fn inner() -> Generator<&'static str, &'static str, i32> {
//!     Generator::new(|co: Co<_, i32>| async move {
//!         let Ok(a) = co.yield_("i1").await;
//!         assert_eq!(a, 10);
//!         "inner-ret"
//!     })
//! }
//! let outer: Generator<&str, (), i32> = Generator::new(|co| async move {
//!     let r = co.yield_from(inner()).await;
//!     assert_eq!(r, Ok("inner-ret"));
//!     co.yield_("o1").await;
//! });
//! assert_eq!(outer.next(), Ok(Yielded("i1")));
//! assert_eq!(outer.send(10), Ok(Yielded("o1")));
//! ```
//!
//! # Async generators
//!
//! An [`AsyncGenerator`] is resumed with `.await` and may wait between yields; it is a
//! [`futures_core::Stream`] of its yielded values. A plain [`Generator`] whose body awaits anything but its
//! yielder is closed and reports [`GeneratorError::Blocked`]; it never spins or hangs.
//!
//! ```
//! use greenery::generator::{Generator, GeneratorError};
//!
//! let g: Generator<i32> = Generator::new(|co| async move {
//!     greenery::yield_now().await; // waits for a runtime's next turn
//!     co.yield_(1).await;
//! });
//! assert_eq!(g.next(), Err(GeneratorError::Blocked));
//! assert!(g.is_finished());
//! ```
//!
//! # Generators and the scheduler
//!
//! A resume runs the body on the caller's stack, inside the caller's turn: like a Python
//! generator (and unlike a greenlet switch), resuming never gives other tasks a turn, so a
//! task that drives a [`Generator`] keeps the CPU until the body yields back. An
//! [`AsyncGenerator`]'s body waits on behalf of its consumer: when it sleeps or waits for IO,
//! the consumer's `resume(..).await` (or `Stream` poll) returns `Pending` with the consumer
//! task's waker registered, other tasks run, and the wake-up reschedules the consumer, which
//! polls the body again. Generators are not tasks: they have no id, no name and no place in
//! the run queue, and the runtime never polls them on its own.
//!
//! # Porting Python generators
//!
//! | Python | greenery |
//! |---|---|
//! | `def gen(): ... yield v ...` | `Generator::new(\|co\| async move { .. co.yield_(v).await; .. })` |
//! | `x = yield v` | `let Ok(x) = co.yield_(v).await;` (`?` when `E` can be thrown) |
//! | `next(g)`, `g.send(v)` | `g.next()`, `g.send(v)` (or `resume`), giving `Ok(Yielded(y))` |
//! | `StopIteration.value` | `Ok(Complete(r))`, once; then `Err(Finished)` (Python: value `None`) |
//! | `TypeError` on first `send(non-None)` | `Err(JustStarted)`; only a zero-sized `S` may start it |
//! | `None` sent by `next()` | `S::default()` (use `S = Option<T>` to tell it apart) |
//! | `g.throw(exc)`, `except E as e:` | `g.throw(e)`; the yield gives `Err(e)`: match it, or `?` |
//! | an uncaught exception escaping `throw()` | the body returns `Err(e)`: `Ok(Complete(Err(e)))` |
//! | `throw()` into an unstarted generator | `Err(Thrown(e))`, the body never runs |
//! | `try: ... finally:` | a guard value whose `Drop` does the cleanup |
//! | `g.close()`, `del g` | `g.close()`, `drop(g)`; returns `Ok(())` (Python 3.11: `None`) |
//! | `except GeneratorExit:` / yielding in `finally` | not expressible: close drops the body, no code can resume |
//! | `ValueError: generator already executing` | `Err(AlreadyExecuting)` (share with `Rc<Generator>`) |
//! | `r = yield from sub()` | `let r = co.yield_from(sub()).await?;` |
//! | `for x in g:` | `for x in g` |
//! | `async def` with `yield` | [`AsyncGenerator`]; `async for` is its `Stream` |
//! | a body reading outer variables | the body is `'static`: move in clones (`Rc<RefCell<..>>` for shared state) |
//!
//! A body that raises `StopIteration` (PEP 479) has no Rust analogue: a body ends only by
//! returning. A panic in the body propagates out of the resume that polled it and leaves the
//! generator finished. Generators stay on the thread that created them (they are not `Send`).

mod core;
mod state;
mod stream;
mod sync;
mod yielder;

pub use self::state::{GeneratorError, GeneratorState};
pub use self::stream::{AsyncGenerator, Resume};
pub use self::sync::Generator;
pub use self::yielder::{Co, Yield, YieldFrom};
