//! [`Error`]: what a switch can raise, and why a greenlet operation was refused.

use std::fmt;

use super::slot::Ty;

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
///
/// An `Error` is two words, so a switch's `Result<T, Error>` for a word-sized `T` comes back in
/// registers.
#[non_exhaustive]
pub enum Error {
    /// `GreenletExit`: the greenlet was asked to exit ([`throw`](super::Greenlet::throw) of
    /// `Error::Exit`, or its last handle was dropped). Escaping a body it is not a failure: the
    /// parent receives it like a value.
    Exit,
    /// An error thrown into a greenlet, or returned by a body and raised in its parent.
    Raised(Raised),
    /// The switch was polled outside a greenery runtime.
    NoRuntime,
    /// The target greenlet (or the new parent) belongs to another runtime.
    ForeignRuntime,
    /// The target is running: being driven by a task (perhaps blocked on a timer or a
    /// socket), or it is a task's root that is not waiting in a switch; or the switcher is
    /// already waiting in another switch.
    Busy,
    /// The target waits for a value of another type.
    WrongType(TypeMismatch),
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
        Error::Raised(Raised(Box::new(err.into())))
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
            Error::Raised(err) => err.get().downcast_ref(),
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
            Error::WrongType(mismatch) => fmt::Display::fmt(mismatch, f),
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
            Error::WrongType(mismatch) => f.debug_tuple("WrongType").field(mismatch).finish(),
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
            Error::WrongType(_) => "WrongType",
            Error::NoBody => "NoBody",
            Error::Started => "Started",
            Error::CyclicParent => "CyclicParent",
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Raised(err) => Some(err.get()),
            _ => None,
        }
    }
}

/// The types of an [`Error::WrongType`]: what the target takes and what was sent.
///
/// ```
/// use greenery::greenlet::{getcurrent, Error, Greenlet};
///
/// greenery::run(async {
///     let main_as_str = getcurrent::<&str>();
///     let g = Greenlet::new(move |x: u8| async move {
///         match main_as_str.switch("text").await {
///             Err(Error::WrongType(mismatch)) => {
///                 assert_eq!((mismatch.expected(), mismatch.found()), ("u8", "&str"));
///                 Ok(x)
///             }
///             other => panic!("{other:?}"),
///         }
///     });
///     assert_eq!(g.switch(1).await.unwrap(), 1); // main waits for a u8
/// });
/// ```
#[derive(Clone)]
pub struct TypeMismatch(Box<(&'static str, &'static str)>);

impl TypeMismatch {
    /// The type the target's pending switch (or body) takes.
    ///
    /// See the [type's example](TypeMismatch).
    pub fn expected(&self) -> &'static str {
        self.0 .0
    }

    /// The type that was sent.
    ///
    /// See the [type's example](TypeMismatch).
    pub fn found(&self) -> &'static str {
        self.0 .1
    }

    pub(crate) fn new(expected: Ty, found: Ty) -> TypeMismatch {
        TypeMismatch::named(expected.name(), found.name())
    }

    /// A mismatch between the types named `expected` and `found`.
    pub(crate) fn named(expected: &'static str, found: &'static str) -> TypeMismatch {
        TypeMismatch(Box::new((expected, found)))
    }
}

impl fmt::Display for TypeMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the greenlet waits for a value of type {}, but {} was sent",
            self.expected(),
            self.found()
        )
    }
}

impl fmt::Debug for TypeMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypeMismatch")
            .field("expected", &self.expected())
            .field("found", &self.found())
            .finish()
    }
}

/// An error raised across greenlets: any `std::error::Error` (or message), behind one thin
/// pointer.
///
/// ```
/// use greenery::greenlet::Error;
///
/// let Error::Raised(raised) = Error::raised("deep") else { unreachable!() };
/// assert_eq!(raised.get().to_string(), "deep");
/// assert_eq!(raised.into_inner().to_string(), "deep");
/// ```
pub struct Raised(Box<Box<dyn std::error::Error>>);

impl Raised {
    /// The error.
    ///
    /// See the [type's example](Raised).
    pub fn get(&self) -> &(dyn std::error::Error + 'static) {
        self.0.as_ref().as_ref()
    }

    /// The error, unwrapped.
    ///
    /// See the [type's example](Raised).
    pub fn into_inner(self) -> Box<dyn std::error::Error> {
        *self.0
    }
}

impl fmt::Display for Raised {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.get(), f)
    }
}

impl fmt::Debug for Raised {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.get(), f)
    }
}
