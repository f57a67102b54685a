# The fixed part of every difffuzz batch run on the real gevent: the helpers the emitted programs
# call (one per operation, each tracing its outcome) and the driver that runs the programs one
# after another in this process. `python -u - SCALE < batch.py`.
#
# Time: greenery runs on a paused clock, so its timers fire at exact virtual instants (all
# multiples of 5 ms). Here virtual instant v maps to the real time start + v * SCALE ms: a timer
# armed at virtual now (R.vnow) for d ms gets the real delay start + (vnow + d) * SCALE - now,
# so lateness does not accumulate along a chain of sleeps. A timer that wakes its greenlet moves
# R.vnow to its deadline.
#
# R.late is the worst lateness seen (virtual ms); a run late by more than a fraction of the 5 ms
# grid is not trusted, and the fuzzer runs it again, slower. Lateness shows four ways: a timer
# fires late; a timer is cancelled after its deadline (its operation completed at an earlier
# virtual instant, but the loop was too late to fire it first, perhaps unnoticed by the timer
# that did fire: gevent's Timeout has a lower libev priority than a sleep due in the same
# iteration); a timer is still armed past its deadline when the program ends; a timer fires
# early (armed from the loop's cached time after a stall).
import sys
import time

import gevent
from gevent import Greenlet, GreenletExit, Timeout, getcurrent
from gevent.event import Event
from gevent.exceptions import LoopExit
from gevent.lock import Semaphore
from gevent.queue import Channel, Empty, Full, Queue

NEVER_TRUSTED = 1000.0
EARLY = 1.0  # virtual ms


class Timer(object):
    """A timer of d virtual ms armed now; `delay` is the real delay to give gevent. Use it as a
    context manager around the operation, and call `fired()` if it ended the operation."""

    def __init__(self, run, d):
        self.run = run
        self.dl = run.vnow + d
        self.real = run.start + self.dl * run.scale / 1000.0
        self.delay = max(self.real - time.monotonic(), 1e-4)
        self.ended = False

    def fired(self):
        run = self.run
        late = (time.monotonic() - self.real) * 1000.0 / run.scale
        # Early: gevent armed it from the loop's cached time, stale after a stall.
        run.late = max(run.late, late if late > -EARLY else NEVER_TRUSTED)
        run.vnow = self.dl
        self.ended = True

    def __enter__(self):
        self.run.armed.add(self)
        return self

    def __exit__(self, kind, value, tb):
        self.run.armed.discard(self)
        if kind is None and not self.ended and time.monotonic() > self.real:
            self.run.late = NEVER_TRUSTED  # cancelled after its deadline
        return False


class Task(Greenlet):
    """A greenlet that a kill can end at once (see `Run.kill`): when `killer` is set, it dies
    into the killer instead of the hub, once its end is reported (its links pass queued)."""

    killer = None

    def run(self):
        try:
            Greenlet.run(self)
        finally:
            if self.killer is not None:
                self.parent = self.killer


class Run(object):
    def __init__(self, scale):
        self.scale = scale
        self.lines = []
        self.vnow = 0
        self.late = 0.0
        self.armed = set()
        self.exiting = False
        self.start = time.monotonic()

    def log(self, line):
        if not self.exiting:
            self.lines.append(line)

    def timer(self, d):
        return Timer(self, d)

    # --- tasks -------------------------------------------------------------------------------

    def task(self, t, body):
        self.log(t + ' start')
        try:
            body()
        except GreenletExit:
            self.log(t + ' killed')
            raise
        except Exception as e:  # a bug of this prelude: make it visible in the trace
            self.log('%s error %r' % (t, e))
            return
        self.log(t + ' end')

    def main(self, body, G):
        self.log('t0 start')
        try:
            body()
            self.log('t0 end')
        except LoopExit:
            self.log('t0 loopexit')
        now = time.monotonic()
        if any(now > timer.real for timer in self.armed):
            self.late = NEVER_TRUSTED  # a timer that should have fired before the end
        # Rule 13: greenlets alive now are abandoned; kill them silently so that nothing of
        # this program runs into the next one.
        self.exiting = True
        gevent.killall([g for g in G if g is not None])

    def spawn(self, t, G, k, body):
        G[k] = Task.spawn(self.task, 't%d' % k, body)
        self.log('%s spawn t%d' % (t, k))

    def kill(self, t, G, k):
        # greenery's kill takes effect at once (docs/scheduling.md, a deliberate difference):
        # the GreenletExit is thrown into the target now, not from a callback queued behind
        # the run queue, and the killer goes on once the target is dead (its links pass is
        # queued as gevent's own kill would). An unstarted or dead greenlet: gevent's kill
        # is immediate already.
        g = G[k]
        if g.dead or not g:
            g.kill()
        else:
            g.killer = getcurrent()
            try:
                g.throw(GreenletExit)
            finally:
                g.killer = None
                g.parent = gevent.get_hub()
        self.log('%s kill t%d' % (t, k))

    def join(self, t, G, k, d=None):
        g = G[k]
        if d is None:
            g.join()
        else:
            with self.timer(d) as timer:
                g.join(timer.delay)
                if not g.dead:
                    timer.fired()
        if not g.dead:
            how = 'timeout'
        elif isinstance(g.value, GreenletExit):
            how = 'killed'
        else:
            how = 'done'
        self.log('%s join t%d %s' % (t, k, how))

    def joinall(self, t, G, ks, d=None, n=None):
        # Rule 7 without artifact A2 (greenery's documented choice, docs/scheduling.md): the
        # greenlets already dead come first in the order given, and when they are enough
        # joinall returns at once. gevent itself yields first, and orders a greenlet whose
        # notification pass is in progress ahead of the others.
        gs = [G[k] for k in ks]
        need = n or len(gs)
        done = [g for g in gs if g.dead][:need]
        rest = [g for g in gs if not g.dead]
        if len(done) < need:
            if d is None:
                done += gevent.joinall(rest, count=need - len(done))
            else:
                with self.timer(d) as timer:
                    # joinall's timer starts from the loop's cached time (unlike Timeout's):
                    # refresh it, so that a stall before this call does not make it early.
                    gevent.get_hub().loop.update_now()
                    done += gevent.joinall(rest, timeout=timer.delay, count=need - len(done))
                    if len(done) < need:
                        timer.fired()
        names = ['t%d' % ks[gs.index(g)] for g in done]
        self.log('%s joinall -> %s' % (t, ' '.join(names)))

    # --- time --------------------------------------------------------------------------------

    def yield_(self, t):
        gevent.sleep(0)
        self.log(t + ' yielded')

    def sleep(self, t, d):
        with self.timer(d) as timer:
            gevent.sleep(timer.delay)
            timer.fired()
        self.log('%s slept %d' % (t, d))

    def within(self, t, d, body):
        with self.timer(d) as timer:
            timeout = Timeout(timer.delay)
            timeout.start()
            try:
                body()
            except Timeout as e:
                if e is not timeout:
                    raise
                timer.fired()
                self.log('%s timeout %d' % (t, d))
            finally:
                timeout.cancel()

    # --- events, queues, semaphores ----------------------------------------------------------

    def set(self, t, E, i):
        E[i].set()
        self.log('%s set e%d' % (t, i))

    def clear(self, t, E, i):
        E[i].clear()
        self.log('%s clear e%d' % (t, i))

    def wait(self, t, E, i, d=None):
        if d is None:
            ok = E[i].wait()
        else:
            with self.timer(d) as timer:
                ok = E[i].wait(timer.delay)
                if not ok:
                    timer.fired()
        self.log('%s wait e%d %s' % (t, i, 'true' if ok else 'false'))

    def put(self, t, Q, i, v, d=None):
        try:
            if d is None:
                Q[i].put(v)
            else:
                with self.timer(d) as timer:
                    try:
                        Q[i].put(v, timeout=timer.delay)
                    except Full:
                        timer.fired()
                        raise
            self.log('%s put q%d %d' % (t, i, v))
        except Full:
            self.log('%s put q%d %d full' % (t, i, v))

    def put_nowait(self, t, Q, i, v):
        try:
            Q[i].put_nowait(v)
            self.log('%s put q%d %d' % (t, i, v))
        except Full:
            self.log('%s put q%d %d full' % (t, i, v))

    def get(self, t, Q, i, d=None):
        try:
            if d is None:
                v = Q[i].get()
            else:
                with self.timer(d) as timer:
                    try:
                        v = Q[i].get(timeout=timer.delay)
                    except Empty:
                        timer.fired()
                        raise
            self.log('%s got q%d %d' % (t, i, v))
        except Empty:
            self.log('%s get q%d empty' % (t, i))

    def get_nowait(self, t, Q, i):
        try:
            self.log('%s got q%d %d' % (t, i, Q[i].get_nowait()))
        except Empty:
            self.log('%s get q%d empty' % (t, i))

    def acquire(self, t, S, i, d=None):
        if d is None:
            ok = S[i].acquire()
        else:
            with self.timer(d) as timer:
                ok = S[i].acquire(timeout=timer.delay)
                if not ok:
                    timer.fired()
        if ok:
            self.log('%s acquired s%d' % (t, i))
        else:
            self.log('%s acquire s%d timeout' % (t, i))

    def release(self, t, S, i):
        S[i].release()
        self.log('%s released s%d' % (t, i))


def drive(programs, scale):
    gevent.get_hub().exception_stream = sys.stderr
    out = sys.stdout
    for name, program in programs:
        run = Run(scale)
        program(run)
        out.write('=== %s %.2f\n' % (name, run.late))
        out.write(''.join(line + '\n' for line in run.lines))
        out.flush()
    out.write('=== end\n')
