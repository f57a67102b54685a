//! [`IMap`] and [`IMapUnordered`]: streams of a group's results.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{ready, Context, Poll};

use futures_core::Stream;

use super::group::Group;
use crate::queue::Queue;
use crate::runtime::{JoinError, JoinHandle};

/// The results of [`Group::imap`](super::Group::imap), in input order.
///
/// The stream's driver task holds a handle to the group, so the group's tasks live at least
/// as long as the stream. Dropping the stream kills the driver (no more items are started);
/// work already started keeps running in the group.
///
/// ```
/// greenery::run(async {
///     let pool = greenery::pool::Pool::new(2).unwrap();
///     let mut results: greenery::pool::IMap<u32> = pool.imap([1, 2], |x| async move { x + 1 });
///     assert_eq!(results.next().await.unwrap().unwrap(), 2);
/// });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct IMap<T> {
    driver: JoinHandle<()>,
    /// The jobs' handles in input order; closed by the driver after the last.
    handles: Queue<JoinHandle<T>>,
    current: Option<JoinHandle<T>>,
    ended: bool,
}

impl<T: 'static> IMap<T> {
    pub(crate) fn new<I, F, Fut>(group: Group, items: I, mut f: F) -> IMap<T>
    where
        I: IntoIterator + 'static,
        F: FnMut(I::Item) -> Fut + 'static,
        Fut: Future<Output = T> + 'static,
    {
        let handles = Queue::new();
        let out = handles.clone();
        let driver = crate::spawn(async move {
            for item in items {
                let handle = group.inner().spawn_admitted(f(item)).await;
                // Unbounded and only closed below: the put cannot fail.
                let _ = out.try_put(handle);
            }
            out.close();
        });
        IMap {
            driver,
            handles,
            current: None,
            ended: false,
        }
    }
}

impl<T> Unpin for IMap<T> {}

impl<T> Stream for IMap<T> {
    type Item = Result<T, JoinError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(handle) = &mut this.current {
                let result = ready!(Pin::new(handle).poll(cx));
                this.current = None;
                return Poll::Ready(Some(result));
            }
            if this.ended {
                return Poll::Ready(None);
            }
            match ready!(Pin::new(&mut this.handles).poll_next(cx)) {
                Some(handle) => this.current = Some(handle),
                None => this.ended = true,
            }
        }
    }
}

impl<T> IMap<T> {
    /// The next result, in input order; `None` after the last (inherent, so no extension
    /// trait is needed).
    ///
    /// ```
    /// greenery::run(async {
    ///     let group = greenery::pool::Group::new();
    ///     let mut results = group.imap(0..2, |x| async move { x });
    ///     while let Some(r) = results.next().await {
    ///         println!("{}", r.unwrap());
    ///     }
    /// });
    /// ```
    pub async fn next(&mut self) -> Option<Result<T, JoinError>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl<T> Drop for IMap<T> {
    fn drop(&mut self) {
        self.driver.kill();
    }
}

impl<T> fmt::Debug for IMap<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IMap").field("ended", &self.ended).finish()
    }
}

enum Message {
    /// The job with this index has finished (returned, panicked or was killed).
    Done(usize),
    /// The driver has started this many jobs and stopped.
    End(usize),
}

/// Tells the stream that a job ended, however it ended.
struct Finished {
    messages: Queue<Message>,
    index: usize,
}

impl Drop for Finished {
    fn drop(&mut self) {
        let _ = self.messages.try_put(Message::Done(self.index));
    }
}

/// The results of [`Group::imap_unordered`](super::Group::imap_unordered), in completion
/// order.
///
/// The stream's driver task holds a handle to the group, so the group's tasks live at least
/// as long as the stream. Dropping the stream kills the driver (no more items are started);
/// work already started keeps running in the group.
///
/// ```
/// greenery::run(async {
///     let group = greenery::pool::Group::new();
///     let mut results: greenery::pool::IMapUnordered<u32> =
///         group.imap_unordered([1], |x| async move { x * 3 });
///     assert_eq!(results.next().await.unwrap().unwrap(), 3);
/// });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct IMapUnordered<T> {
    driver: JoinHandle<()>,
    messages: Queue<Message>,
    handles: Rc<RefCell<Vec<Option<JoinHandle<T>>>>>,
    current: Option<JoinHandle<T>>,
    total: Option<usize>,
    yielded: usize,
}

impl<T: 'static> IMapUnordered<T> {
    pub(crate) fn new<I, F, Fut>(group: Group, items: I, mut f: F) -> IMapUnordered<T>
    where
        I: IntoIterator + 'static,
        F: FnMut(I::Item) -> Fut + 'static,
        Fut: Future<Output = T> + 'static,
    {
        let messages = Queue::new();
        let handles = Rc::new(RefCell::new(Vec::new()));
        let driver = {
            let (messages, handles) = (messages.clone(), handles.clone());
            crate::spawn(async move {
                let mut count = 0;
                for item in items {
                    let finished = Finished {
                        messages: messages.clone(),
                        index: count,
                    };
                    let job = f(item);
                    let handle = group
                        .inner()
                        .spawn_admitted(async move {
                            // Reported before the slot is freed, so the consumer hears of
                            // the result before the next job is admitted.
                            let _finished = finished;
                            job.await
                        })
                        .await;
                    handles.borrow_mut().push(Some(handle));
                    count += 1;
                }
                let _ = messages.try_put(Message::End(count));
            })
        };
        IMapUnordered {
            driver,
            messages,
            handles,
            current: None,
            total: None,
            yielded: 0,
        }
    }
}

impl<T> Unpin for IMapUnordered<T> {}

impl<T> Stream for IMapUnordered<T> {
    type Item = Result<T, JoinError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(handle) = &mut this.current {
                let result = ready!(Pin::new(handle).poll(cx));
                this.current = None;
                this.yielded += 1;
                return Poll::Ready(Some(result));
            }
            if this.total == Some(this.yielded) {
                return Poll::Ready(None);
            }
            match ready!(Pin::new(&mut this.messages).poll_next(cx)) {
                Some(Message::Done(index)) => {
                    this.current = this
                        .handles
                        .borrow_mut()
                        .get_mut(index)
                        .and_then(Option::take);
                }
                Some(Message::End(count)) => this.total = Some(count),
                None => return Poll::Ready(None),
            }
        }
    }
}

impl<T> IMapUnordered<T> {
    /// The next result, in completion order; `None` after the last (inherent, so no
    /// extension trait is needed).
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let group = greenery::pool::Group::new();
    ///     let mut results = group.imap_unordered([20u64, 10], |ms| async move {
    ///         greenery::time::sleep(Duration::from_millis(ms)).await;
    ///         ms
    ///     });
    ///     assert_eq!(results.next().await.unwrap().unwrap(), 10);
    ///     assert_eq!(results.next().await.unwrap().unwrap(), 20);
    ///     assert!(results.next().await.is_none());
    /// });
    /// ```
    pub async fn next(&mut self) -> Option<Result<T, JoinError>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl<T> Drop for IMapUnordered<T> {
    fn drop(&mut self) {
        self.driver.kill();
    }
}

impl<T> fmt::Debug for IMapUnordered<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IMapUnordered")
            .field("total", &self.total)
            .field("yielded", &self.yielded)
            .finish()
    }
}
