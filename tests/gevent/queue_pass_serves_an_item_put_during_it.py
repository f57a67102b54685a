# A Queue's hand-out pass serves the getters one after the other, each until it blocks, and an
# item a getter it resumed puts goes to the next getter in the same pass, before anything else
# runs (SEMANTICS rule 19; gevent/queue.py, Queue._unlock): t3 gets t1's item before t2's
# yield returns.
import gevent
from gevent.queue import Queue

q = Queue()


def t1():
    print('t1 start')
    print('t1 got', q.get())
    q.put(1)
    print('t1 put 1')
    print('t1 end')


def t2():
    print('t2 start')
    gevent.sleep(0)
    print('t2 yielded')
    q.put(2)
    print('t2 put 2')
    gevent.sleep(0)
    print('t2 yielded')
    print('t2 end')


def t3():
    print('t3 start')
    print('t3 got', q.get())
    print('t3 end')


print('main start')
gs = [gevent.spawn(t1), gevent.spawn(t2), gevent.spawn(t3)]
done = gevent.joinall(gs)
print('main joinall', ' '.join('t%d' % (gs.index(g) + 1) for g in done))
print('main end')
