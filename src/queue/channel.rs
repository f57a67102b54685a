//! [`Channel`]: a rendezvous, where `put` waits for a getter to take the item.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;

use super::error::{Closed, Empty, PutError};
use super::handout::ChannelLines;
use crate::runtime::observe::{self, WaitOn};
use crate::runtime::pass;
use crate::sync::waitlist::Key;

struct State<T> {
    /// The items offered and not taken yet, with their putters, first offered first.
    offers: VecDeque<(Key, T)>,
    /// The getters, the putters and the hand-out pass.
    lines: Rc<RefCell<ChannelLines>>,
}

type Shared<T> = Rc<RefCell<State<T>>>;

impl<T> State<T> {
    /// Takes the first offered item; its putter is resumed by the hand-out pass (the one
    /// running, when a getter it served takes it).
    fn take(&mut self) -> Option<T> {
        let (putter, item) = self.offers.pop_front()?;
        let due = {
            let mut lines = self.lines.borrow_mut();
            *lines.putters.payload_mut(putter) = true;
            lines.offered -= 1;
            lines.resume.push_back(putter);
            lines.schedule()
        };
        if due {
            pass::start(self.lines.clone());
        }
        Some(item)
    }

    /// A putter leaves: its item comes back, unless a getter took it.
    fn withdraw(&mut self, putter: Key) -> Option<T> {
        let mut lines = self.lines.borrow_mut();
        let (_, taken) = lines.putters.remove(putter);
        if taken {
            lines.resume.retain(|&key| key != putter);
            return None;
        }
        lines.offered -= 1;
        let at = self.offers.iter().position(|(key, _)| *key == putter)?;
        self.offers.remove(at).map(|(_, item)| item)
    }
}

/// A queue of capacity zero (gevent's `Channel`): [`put`](Channel::put) waits until a getter
/// has taken the item, so each item is handed from one task to another directly.
///
/// Putters and getters are each served FIFO, by the channel's hand-out pass: it resumes the
/// first getter, which takes the first offer, then at once that offer's putter, pair after
/// pair (gevent's hand-out). So a getter waits for the pass even when a putter offers already.
/// Cloning gives another handle; a `Channel` is also a [`Stream`],
/// which ends once the channel is [closed](Channel::close).
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use greenery::queue::Channel;
/// greenery::run(async {
///     let ch = Channel::new();
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let getter = {
///         let (ch, log) = (ch.clone(), log.clone());
///         greenery::spawn(async move { log.borrow_mut().push(format!("got {}", ch.get().await)) })
///     };
///     ch.put("hello").await.unwrap(); // waits until the getter took it
///     log.borrow_mut().push("put returned".to_string());
///     getter.await.unwrap();
///     assert_eq!(*log.borrow(), ["got hello", "put returned"]);
/// });
/// ```
pub struct Channel<T> {
    shared: Shared<T>,
    /// The place in line of this handle used as a [`Stream`].
    stream_key: Option<Key>,
}

impl<T> Channel<T> {
    /// A new channel.
    ///
    /// ```
    /// let ch = greenery::queue::Channel::<u8>::new();
    /// assert_eq!(ch.getters(), 0);
    /// ```
    pub fn new() -> Channel<T> {
        Channel {
            shared: Rc::new(RefCell::new(State {
                offers: VecDeque::new(),
                lines: Rc::new(RefCell::new(ChannelLines::new())),
            })),
            stream_key: None,
        }
    }

    /// Offers `item` and waits until a getter has taken it. On a [closed](Self::close) channel
    /// — closed before a getter took it — the item comes back in [`Closed`].
    ///
    /// ```
    /// greenery::run(async {
    ///     let ch = greenery::queue::Channel::new();
    ///     let c = ch.clone();
    ///     let getter = greenery::spawn(async move { c.get().await });
    ///     ch.put(1).await.unwrap(); // returns once the getter took it
    ///     assert_eq!(getter.await.unwrap(), 1);
    /// });
    /// ```
    pub fn put(&self, item: T) -> ChannelPut<T> {
        ChannelPut {
            shared: self.shared.clone(),
            item: Some(item),
            key: None,
        }
    }

    /// Like [`put`](Self::put), but takes the item back in [`PutError::Full`] if no getter
    /// took it within `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let ch = greenery::queue::Channel::new();
    ///     let err = ch.put_timeout(5, Duration::from_millis(1)).await.unwrap_err();
    ///     assert_eq!(err.into_inner(), 5);
    /// });
    /// ```
    pub async fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutError<T>> {
        let mut put = self.put(item);
        match crate::time::timeout(timeout, &mut put).await {
            Ok(result) => result.map_err(PutError::from),
            Err(_) => Err(PutError::Full(put.take_back().unwrap_or_else(|| {
                unreachable!("an unfinished channel put still holds its item")
            }))),
        }
    }

    /// Closes the channel: offers not taken yet come back to their putters in [`Closed`], and
    /// so do later puts; getters then see the end ([`next`](Self::next) and the [`Stream`]
    /// return `None`). Closing twice does nothing.
    ///
    /// ```
    /// greenery::run(async {
    ///     let ch = greenery::queue::Channel::new();
    ///     let c = ch.clone();
    ///     let putter = greenery::spawn(async move { c.put('x').await });
    ///     greenery::yield_now().await; // the putter waits for a getter
    ///     ch.close();
    ///     assert_eq!(putter.await.unwrap().unwrap_err().into_inner(), 'x');
    ///     assert_eq!(ch.next().await, None);
    /// });
    /// ```
    pub fn close(&self) {
        let state = self.shared.borrow();
        let mut lines = state.lines.borrow_mut();
        if std::mem::replace(&mut lines.closed, true) {
            return;
        }
        lines.getters.notify_all();
        lines.putters.notify_all();
    }

    /// Whether the channel was closed.
    ///
    /// ```
    /// let ch = greenery::queue::Channel::<u8>::new();
    /// ch.close();
    /// assert!(ch.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.borrow().lines.borrow().closed
    }

    /// Takes an item like [`get`](Self::get), but `None` once the channel is closed and no
    /// putter offers one.
    ///
    /// ```
    /// greenery::run(async {
    ///     let ch = greenery::queue::Channel::new();
    ///     let c = ch.clone();
    ///     greenery::spawn(async move {
    ///         c.put(1).await.unwrap();
    ///         c.close();
    ///     });
    ///     assert_eq!(ch.next().await, Some(1));
    ///     assert_eq!(ch.next().await, None);
    /// });
    /// ```
    pub fn next(&self) -> ChannelNext<T> {
        ChannelNext {
            shared: self.shared.clone(),
            key: None,
        }
    }

    /// Takes an item from the first waiting putter, waiting for one if there is none. On a
    /// closed channel it waits forever: use [`next`](Self::next) there.
    ///
    /// ```
    /// greenery::run(async {
    ///     let ch = greenery::queue::Channel::new();
    ///     let c = ch.clone();
    ///     greenery::spawn(async move { c.put('x').await });
    ///     assert_eq!(ch.get().await, 'x');
    /// });
    /// ```
    pub fn get(&self) -> ChannelGet<T> {
        ChannelGet {
            shared: self.shared.clone(),
            key: None,
        }
    }

    /// Takes an item from the first waiting putter, if any, without waiting for the hand-out
    /// pass (which resumes the putter).
    ///
    /// ```
    /// let ch = greenery::queue::Channel::<u8>::new();
    /// assert!(ch.try_get().is_err());
    /// ```
    pub fn try_get(&self) -> Result<T, Empty> {
        self.shared.borrow_mut().take().ok_or(Empty)
    }

    /// Like [`get`](Self::get), but gives up with [`Empty`] after `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let ch = greenery::queue::Channel::<u8>::new();
    ///     assert!(ch.get_timeout(Duration::from_millis(1)).await.is_err());
    /// });
    /// ```
    pub async fn get_timeout(&self, timeout: Duration) -> Result<T, Empty> {
        crate::time::timeout(timeout, self.get())
            .await
            .map_err(|_| Empty)
    }

    /// How many tasks wait to get an item.
    ///
    /// ```
    /// greenery::run(async {
    ///     let ch = greenery::queue::Channel::<u8>::new();
    ///     let c = ch.clone();
    ///     greenery::spawn(async move { c.get().await });
    ///     greenery::yield_now().await;
    ///     assert_eq!(ch.getters(), 1);
    /// });
    /// ```
    pub fn getters(&self) -> usize {
        self.shared.borrow().lines.borrow().getters.len()
    }

    /// How many putters wait with an item nobody has taken yet.
    ///
    /// ```
    /// greenery::run(async {
    ///     let ch = greenery::queue::Channel::new();
    ///     let c = ch.clone();
    ///     greenery::spawn(async move { c.put(1).await });
    ///     greenery::yield_now().await;
    ///     assert_eq!(ch.putters(), 1);
    ///     assert_eq!(ch.try_get(), Ok(1));
    /// });
    /// ```
    pub fn putters(&self) -> usize {
        self.shared.borrow().offers.len()
    }
}

/// One poll of a getter: it waits in line until the hand-out pass serves it, then takes the
/// first offer; if a running task took it first, it waits again in its place. On a closed
/// channel it takes what is still offered, and with `stream` sees the end (`None`) after.
fn poll_get<T>(
    shared: &Shared<T>,
    key: &mut Option<Key>,
    cx: &mut Context<'_>,
    stream: bool,
) -> Poll<Option<T>> {
    let mut state = shared.borrow_mut();
    let (closed, served) = {
        let lines = state.lines.borrow();
        let served = key.is_some_and(|key| lines.getters.is_notified(key));
        (lines.closed, served)
    };
    if served || closed {
        if let Some(item) = state.take() {
            if let Some(key) = key.take() {
                state.lines.borrow_mut().getters.remove(key);
            }
            return Poll::Ready(Some(item));
        }
    }
    let lines_rc = state.lines.clone();
    let mut lines = lines_rc.borrow_mut();
    if closed && stream {
        // Every waiter was woken by `close`: nothing to pass on.
        if let Some(key) = key.take() {
            lines.getters.remove(key);
        }
        return Poll::Ready(None);
    }
    match *key {
        Some(key) => lines.getters.rearm(key, cx.waker()),
        None => {
            *key = Some(lines.getters.push(Some(cx.waker().clone()), ()));
            let due = lines.offered > 0 && lines.schedule();
            drop(lines);
            if due {
                pass::start(lines_rc);
            }
        }
    }
    observe::note(WaitOn::Primitive("Channel::get"));
    Poll::Pending
}

/// A getter leaves (dropped: killed or timed out). If the pass had served it, the offer it
/// was served for goes to the next getter.
fn leave_getters(lines_rc: &Rc<RefCell<ChannelLines>>, key: &mut Option<Key>) {
    let Some(key) = key.take() else { return };
    let due = {
        let mut lines = lines_rc.borrow_mut();
        let (served, ()) = lines.getters.remove(key);
        served && lines.offered > 0 && lines.getter_waits() && lines.schedule()
    };
    if due {
        pass::start(lines_rc.clone());
    }
}

impl<T> Default for Channel<T> {
    fn default() -> Self {
        Channel::new()
    }
}

impl<T> Clone for Channel<T> {
    fn clone(&self) -> Self {
        Channel {
            shared: self.shared.clone(),
            stream_key: None,
        }
    }
}

impl<T> Unpin for Channel<T> {}

/// The stream of the items; it ends once the channel is closed.
impl<T> Stream for Channel<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = &mut *self;
        poll_get(&this.shared, &mut this.stream_key, cx, true)
    }
}

impl<T> Drop for Channel<T> {
    fn drop(&mut self) {
        leave_getters(&self.shared.borrow().lines, &mut self.stream_key);
    }
}

impl<T> fmt::Debug for Channel<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel")
            .field("getters", &self.getters())
            .field("putters", &self.putters())
            .finish()
    }
}

/// The future of [`Channel::put`]. Dropping it before a getter took the item withdraws the
/// offer (the item is dropped).
///
/// ```
/// greenery::run(async {
///     let ch = greenery::queue::Channel::new();
///     let put: greenery::queue::ChannelPut<u8> = ch.put(1);
///     drop(put); // never polled: nothing offered
///     assert_eq!(ch.putters(), 0);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct ChannelPut<T> {
    shared: Shared<T>,
    item: Option<T>,
    key: Option<Key>,
}

impl<T> ChannelPut<T> {
    /// Withdraws the offer and returns the item, unless a getter took it.
    fn take_back(&mut self) -> Option<T> {
        if let Some(item) = self.item.take() {
            return Some(item);
        }
        let key = self.key.take()?;
        self.shared.borrow_mut().withdraw(key)
    }
}

impl<T> Unpin for ChannelPut<T> {}

impl<T> Future for ChannelPut<T> {
    type Output = Result<(), Closed<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mut state = this.shared.borrow_mut();
        let lines_rc = state.lines.clone();
        let mut lines = lines_rc.borrow_mut();
        let Some(key) = this.key else {
            let item = this
                .item
                .take()
                .expect("ChannelPut polled after it finished");
            if lines.closed {
                return Poll::Ready(Err(Closed(item)));
            }
            let key = lines.putters.push(Some(cx.waker().clone()), false);
            this.key = Some(key);
            lines.offered += 1;
            let due = lines.getter_waits() && lines.schedule();
            drop(lines);
            state.offers.push_back((key, item));
            if due {
                pass::start(lines_rc);
            }
            observe::note(WaitOn::Primitive("Channel::put"));
            return Poll::Pending;
        };
        let taken = *lines.putters.payload(key);
        if taken || lines.closed {
            // Taken (before the close, if closed), or not: then it comes back.
            drop(lines);
            this.key = None;
            return Poll::Ready(match state.withdraw(key) {
                Some(item) => Err(Closed(item)),
                None => Ok(()),
            });
        }
        lines.putters.set_waker(key, cx.waker());
        observe::note(WaitOn::Primitive("Channel::put"));
        Poll::Pending
    }
}

impl<T> Drop for ChannelPut<T> {
    fn drop(&mut self) {
        drop(self.take_back());
    }
}

impl<T> fmt::Debug for ChannelPut<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelPut")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

/// The future of [`Channel::get`]. Dropping it leaves the line; a wake-up it had received
/// passes to the next getter.
///
/// ```
/// greenery::run(async {
///     let ch = greenery::queue::Channel::new();
///     let c = ch.clone();
///     greenery::spawn(async move { c.put(2).await });
///     let get: greenery::queue::ChannelGet<u8> = ch.get();
///     assert_eq!(get.await, 2);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct ChannelGet<T> {
    shared: Shared<T>,
    key: Option<Key>,
}

impl<T> Unpin for ChannelGet<T> {}

impl<T> Future for ChannelGet<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = &mut *self;
        poll_get(&this.shared, &mut this.key, cx, false)
            .map(|item| item.unwrap_or_else(|| unreachable!("only a stream's getter sees the end")))
    }
}

impl<T> Drop for ChannelGet<T> {
    fn drop(&mut self) {
        leave_getters(&self.shared.borrow().lines, &mut self.key);
    }
}

impl<T> fmt::Debug for ChannelGet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelGet")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

/// The future of [`Channel::next`]: `Some(item)`, or `None` once the channel is closed and no
/// putter offers one. Dropping it leaves the line.
///
/// ```
/// greenery::run(async {
///     let ch = greenery::queue::Channel::<u8>::new();
///     ch.close();
///     let next: greenery::queue::ChannelNext<u8> = ch.next();
///     assert_eq!(next.await, None);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct ChannelNext<T> {
    shared: Shared<T>,
    key: Option<Key>,
}

impl<T> Unpin for ChannelNext<T> {}

impl<T> Future for ChannelNext<T> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = &mut *self;
        poll_get(&this.shared, &mut this.key, cx, true)
    }
}

impl<T> Drop for ChannelNext<T> {
    fn drop(&mut self) {
        leave_getters(&self.shared.borrow().lines, &mut self.key);
    }
}

impl<T> fmt::Debug for ChannelNext<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelNext")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}
