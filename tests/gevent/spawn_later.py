# spawn_later(seconds) starts the greenlet from a timer: even with 0 it runs only once the
# run queue has drained (after spawn and the sleep(0)s queued meanwhile), and timers fire in
# deadline order. kill() before it started cancels the timer: it never runs, and the loop is
# not kept alive for it. start() after start_later() does nothing. gevent.wait() with no
# objects returns once nothing is left to run (greenery: wait_all).
import time
import gevent


def f(name):
    print('run', name)


a = gevent.spawn_later(0, f, 'spawn_later(0)')
b = gevent.spawn(f, 'spawn')
print('ready:', a.ready())
gevent.sleep(0)
print('main after sleep(0)')
gevent.sleep(0)
print('main after a second sleep(0)')
gevent.sleep(0.001)
print('---')


def sleeper(d):
    gevent.sleep(d)
    print('sleep(%s) woke' % d)


x = gevent.spawn_later(0.02, f, 'spawn_later(0.02)')
y = gevent.spawn_later(0.01, f, 'spawn_later(0.01)')
s = gevent.spawn(sleeper, 0.015)
gevent.joinall([x, y, s])
print('--- kill before the start')
k = gevent.spawn_later(10, f, 'killed (never)')
k.kill()
print('killed: dead', k.dead)
t0 = time.time()
gevent.wait()
print('wait() returned long before the 10 s delay:', time.time() - t0 < 5)
print('--- start_later')
u = gevent.Greenlet(f, 'start_later(0.01)')
u.start_later(0.01)
u.start()
print('start() after start_later: not run yet')
u.join()
print('--- wait() waits for what can still run')
gevent.spawn_later(0.01, f, 'kept the loop alive')
gevent.spawn(gevent.event.Event().wait)   # blocked forever: not waited for
gevent.wait()
print('end')
