//! Helpers shared by the greenlet semantics tests (async and green): Python values and
//! exceptions as greenlets pass them, and an ordered log.
#![allow(dead_code)] // Each test crate uses its own subset.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use greenery::greenlet::Error;

#[derive(Clone, Debug, PartialEq)]
pub enum Py {
    None,
    Int(i64),
    Str(&'static str),
    Tuple(Vec<Py>),
    Dict(Vec<(&'static str, Py)>),
}

pub use Py::{Int, Str};

impl fmt::Display for Py {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Py::None => f.write_str("None"),
            Py::Int(i) => write!(f, "{i}"),
            Py::Str(s) => write!(f, "'{s}'"),
            Py::Tuple(items) if items.len() == 1 => write!(f, "({},)", items[0]),
            Py::Tuple(items) => {
                let items: Vec<String> = items.iter().map(ToString::to_string).collect();
                write!(f, "({})", items.join(", "))
            }
            Py::Dict(items) => {
                let items: Vec<String> = items.iter().map(|(k, v)| format!("'{k}': {v}")).collect();
                write!(f, "{{{}}}", items.join(", "))
            }
        }
    }
}

/// Rule 29: what a receiver's `switch()` returns for `switch(*args, **kwargs)`.
pub fn call(args: Vec<Py>, kwargs: Vec<(&'static str, Py)>) -> Py {
    match (args.len(), kwargs.is_empty()) {
        (1, true) => args.into_iter().next().unwrap(),
        (_, true) => Py::Tuple(args),
        (0, false) => Py::Dict(kwargs),
        (_, false) => Py::Tuple(vec![Py::Tuple(args), Py::Dict(kwargs)]),
    }
}

/// `run(*args, **kwargs)`'s view of a first switch's packed value.
pub fn unpack(value: &Py) -> (Py, Py) {
    match value {
        Py::Tuple(parts) if parts.len() == 2 => match (&parts[0], &parts[1]) {
            (Py::Tuple(args), Py::Dict(kwargs)) => {
                (Py::Tuple(args.clone()), Py::Dict(kwargs.clone()))
            }
            _ => (value.clone(), Py::Dict(vec![])),
        },
        Py::Tuple(_) => (value.clone(), Py::Dict(vec![])),
        Py::Dict(_) => (Py::Tuple(vec![]), value.clone()),
        other => (Py::Tuple(vec![other.clone()]), Py::Dict(vec![])),
    }
}

/// Python exception classes, as errors raised across greenlets.
#[derive(Debug)]
pub struct PyErr(pub &'static str, pub &'static str);

impl fmt::Display for PyErr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}('{}')", self.0, self.1)
    }
}

impl std::error::Error for PyErr {}

pub fn raise(class: &'static str, message: &'static str) -> Error {
    Error::raised(PyErr(class, message))
}

/// Python's `repr` of what a switch returned (or raised).
pub fn repr(result: &Result<Py, Error>) -> String {
    match result {
        Ok(value) => value.to_string(),
        Err(Error::Exit) => "GreenletExit()".to_string(),
        Err(err) => err.to_string(),
    }
}

pub fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

#[derive(Clone, Default)]
pub struct Log(pub Rc<RefCell<Vec<String>>>);

impl Log {
    pub fn push(&self, line: impl Into<String>) {
        self.0.borrow_mut().push(line.into());
    }

    pub fn lines(&self) -> Vec<String> {
        self.0.borrow().clone()
    }
}

/// A `finally:` block: logs when dropped.
pub struct Finally(pub Log, pub &'static str);

impl Drop for Finally {
    fn drop(&mut self) {
        self.0.push(self.1);
    }
}

pub fn expect(log: &Log, expected: &str) {
    let expected: Vec<&str> = expected.lines().collect();
    assert_eq!(log.lines(), expected);
}

// The real outputs of the reference scripts `../shared/reference/semantics/r30`..`r34`
// (greenlet 3.5), which the async and the synchronous greenlet tests both print.

/// r30: switch values, one packed value per switch.
pub const R30_OUTPUT: &str = "run() called with (1, 2) {'x': 3}
main: first switch returned 'ack'
g.switch()
child switch() returned ()
g.switch(7)
child switch() returned 7
g.switch(7, 8)
child switch() returned (7, 8)
g.switch((7, 8))
child switch() returned (7, 8)
g.switch(k=1)
child switch() returned {'k': 1}
g.switch(7, k=1)
child switch() returned ((7,), {'k': 1})
g.switch(None)
child switch() returned None
g.switch(())
child switch() returned ()
main got ()
main got 1
main got (1, 2)
main got {'a': 1}
main got 'finished'
h.dead True";

/// r31: the parent is the creator and receives results and errors.
pub const R31_OUTPUT: &str = "main.parent None | main.dead False
inner.parent is outer: True
outer got 'inner-ret'
main got 'outer-ret'
a: switching to b
b got 'to-b' | parent is a: True
a got 'b-ret'
main got 'a-ret'
cycle -> ValueError: cyclic parent chain
parent = None -> TypeError
lvl1 finally (the exception passes through lvl1)
main caught RuntimeError('deep')";

/// r32: switching to a dead greenlet goes to its parent.
pub const R32_OUTPUT: &str = "new: bool False | dead False
returned to parent: 42 | dead True | bool False
switch(5) to dead -> 5
switch(5, k=1) to dead -> ((5,), {'k': 1})
p: switching to dead q (q.parent is main)
main got 'hello' | p suspended (dead: False )
p resumed with 'back'
resume p: 'p-ret'";

/// r33: `throw` raises at the pending switch.
pub const R33_OUTPUT: &str = "suspended
child caught ValueError('v')
child finally
throw(ValueError) -> 'recovered' | dead True
susp2 finally
throw() default GreenletExit -> GreenletExit() | dead True
throw into not-started: raised in parent ValueError('boom') | dead True
throw() into not-started -> GreenletExit()
throw into dead: raised in parent KeyError('k')";

/// r34: dropping the last handle kills a suspended greenlet. Adaptation: Python's
/// GreenletExit carries the message 'Killing the greenlet because all references have
/// vanished.'; `Error::Exit` carries none.
pub const R34_OUTPUT: &str = "suspended
del x
body got GreenletExit()
body finally
after del x
stubborn caught GreenletExit and returns
after del y
after del z (never started: nothing ran)";
