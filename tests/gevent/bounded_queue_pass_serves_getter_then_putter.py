# On a bounded queue the hand-out pass serves a getter and then, in the same callback, admits
# the putter waiting for the slot that getter freed (SEMANTICS rule 21): main's put returns
# right after t2's get, before t1's second yield returns.
import gevent
from gevent.event import Event
from gevent.queue import Queue

e = Event()
q = Queue(1)


def t1():
    print('t1 start')
    gevent.sleep(0)
    print('t1 yielded')
    q.put(2)
    print('t1 put 2')
    gevent.sleep(0)
    print('t1 yielded')
    print('t1 end')


def t2():
    print('t2 start')
    e.set()
    print('t2 set e')
    print('t2 got', q.get())
    print('t2 end')


print('main start')
gevent.spawn(t1)
gevent.spawn(t2)
e.wait()
print('main wait e true')
q.put(7)
print('main put 7')
print('main end')
