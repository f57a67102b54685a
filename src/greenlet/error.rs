//! [`Error`]: what a switch can raise, and why a greenlet operation was refused.

use std::fmt;

/// What a pending [`switch`](super::Greenlet::switch) raises instead of returning a value, and
/// why a greenlet operation was refused.
///
/// The first two variants are Python's exceptions crossing greenlets: [`Error::Exit`] is
/// `GreenletExit`, [`Error::Raised`] any other error, thrown in with
/// [`throw`](super::Greenlet::throw) or returned by a body and raised in its parent. The others
/// are greenlet's `greenlet.error`s and the misuses a typed port adds: each is delivered to the
/// switcher, which resumes at once.
///
/// ```
/// use greenery::greenlet::Error;
///
/// let err = Error::raised("deep");
/// assert_eq!(err.to_string(), "deep");
/// assert!(Error::Exit.is_exit());
/// ```
#[non_exhaustive]
pub enum Error {
    /// `GreenletExit`: the greenlet was asked to exit ([`throw`](super::Greenlet::throw) of
    /// `Error::Exit`, or its last handle was dropped). Escaping a body it is not a failure: the
    /// parent receives it like a value.
    Exit,
    /// An error thrown into a greenlet, or returned by a body and raised in its parent.
    Raised(Box<dyn std::error::Error>),
    /// The switch was polled outside a greenery runtime.
    NoRuntime,
    /// The target greenlet (or the new parent) belongs to another runtime.
    ForeignRuntime,
    /// The target is running: being driven by a task (perhaps blocked on a timer or a
    /// socket), or it is a task's root that is not waiting in a switch; or the switcher is
    /// already waiting in another switch.
    Busy,
    /// The target waits for a value of another type.
    WrongType {
        /// The type the target's pending switch (or body) takes.
        expected: &'static str,
        /// The type that was sent.
        found: &'static str,
    },
    /// The target was declared with [`Greenlet::declare`](super::Greenlet::declare) and has no
    /// body yet.
    NoBody,
    /// The body of a greenlet that has started cannot be replaced.
    Started,
    /// The new parent would make the parent chain a cycle (every chain ends at a root, so a
    /// root cannot be given a parent either).
    CyclicParent,
}

impl Error {
    /// Wraps any error (or a message) as [`Error::Raised`].
    ///
    /// ```
    /// use greenery::greenlet::Error;
    ///
    /// let err = Error::raised(std::io::Error::other("disk on fire"));
    /// assert!(err.downcast_ref::<std::io::Error>().is_some());
    /// ```
    pub fn raised(err: impl Into<Box<dyn std::error::Error>>) -> Error {
        Error::Raised(err.into())
    }

    /// Whether this is `GreenletExit` ([`Error::Exit`]).
    ///
    /// ```
    /// assert!(greenery::greenlet::Error::Exit.is_exit());
    /// ```
    pub fn is_exit(&self) -> bool {
        matches!(self, Error::Exit)
    }

    /// The raised error, if it is an `E`.
    ///
    /// ```
    /// use greenery::greenlet::Error;
    ///
    /// let err = Error::raised(std::fmt::Error);
    /// assert!(err.downcast_ref::<std::fmt::Error>().is_some());
    /// assert!(Error::Exit.downcast_ref::<std::fmt::Error>().is_none());
    /// ```
    pub fn downcast_ref<E: std::error::Error + 'static>(&self) -> Option<&E> {
        match self {
            Error::Raised(err) => err.downcast_ref(),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Exit => f.write_str("GreenletExit"),
            Error::Raised(err) => fmt::Display::fmt(err, f),
            Error::NoRuntime => f.write_str("cannot switch greenlets outside a greenery runtime"),
            Error::ForeignRuntime => f.write_str("the greenlet belongs to another runtime"),
            Error::Busy => f.write_str(
                "cannot switch to a running greenlet (it is driven by a task, or is a task's \
                 root not waiting in a switch), nor from a greenlet already switching",
            ),
            Error::WrongType { expected, found } => write!(
                f,
                "the greenlet waits for a value of type {expected}, but {found} was sent"
            ),
            Error::NoBody => f.write_str("the greenlet has no body (see Greenlet::set_body)"),
            Error::Started => f.write_str("the greenlet has started: its body cannot be set"),
            Error::CyclicParent => f.write_str("cyclic parent chain"),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Exit => f.write_str("GreenletExit"),
            Error::Raised(err) => f.debug_tuple("Raised").field(err).finish(),
            Error::WrongType { expected, found } => f
                .debug_struct("WrongType")
                .field("expected", expected)
                .field("found", found)
                .finish(),
            other => write!(f, "{}", other.variant()),
        }
    }
}

impl Error {
    fn variant(&self) -> &'static str {
        match self {
            Error::Exit => "Exit",
            Error::Raised(_) => "Raised",
            Error::NoRuntime => "NoRuntime",
            Error::ForeignRuntime => "ForeignRuntime",
            Error::Busy => "Busy",
            Error::WrongType { .. } => "WrongType",
            Error::NoBody => "NoBody",
            Error::Started => "Started",
            Error::CyclicParent => "CyclicParent",
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Raised(err) => Some(err.as_ref()),
            _ => None,
        }
    }
}
