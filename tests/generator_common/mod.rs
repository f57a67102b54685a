//! Shared by the `generator_*` tests: a print log, a `finally` guard, and Python-like errors.

#![allow(dead_code)] // each test file uses a different part

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

/// Stands in for `print`: every line the Python reference prints, in order.
#[derive(Clone, Default)]
pub struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    pub fn print(&self, line: impl Into<String>) {
        self.0.borrow_mut().push(line.into());
    }

    pub fn lines(&self) -> Vec<String> {
        self.0.borrow().clone()
    }

    /// Python's `finally: print(line)`: prints when dropped.
    pub fn finally(&self, line: &'static str) -> Finally {
        Finally(self.clone(), line)
    }
}

pub struct Finally(Log, &'static str);

impl Drop for Finally {
    fn drop(&mut self) {
        self.0.print(self.1);
    }
}

/// The Python exceptions the reference snippets throw, printed as Python's `repr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exc {
    Value(&'static str),
    Key(&'static str),
}

impl fmt::Display for Exc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exc::Value(m) => write!(f, "ValueError('{m}')"),
            Exc::Key(m) => write!(f, "KeyError('{m}')"),
        }
    }
}

/// Python's `repr` of an optional string: `None` or `'text'`.
pub fn repr(value: Option<&str>) -> String {
    match value {
        None => "None".to_string(),
        Some(text) => format!("'{text}'"),
    }
}
