//! Stackful green threads, and greenlets whose `switch` is a plain call.
//!
//! TODO(tutorial)

mod block;
mod greenlet;
mod message;
mod node;
mod stack;
mod switch;
mod thread;

pub use self::block::{block_on, idle, is_green, sleep, try_block_on, yield_now, NotGreen};
pub use self::greenlet::{getcurrent, Greenlet};
pub use self::stack::DEFAULT_STACK_SIZE;
pub use self::thread::{run, spawn, thread, try_run, Builder, GreenThread};
