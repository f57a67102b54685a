# A Channel's hand-out pass resumes getter, putter, getter, putter, pair by pair (SEMANTICS
# rule 22): main takes t3's item and t3 resumes, then t2 takes t1's item and t1 resumes.
import gevent
from gevent.exceptions import LoopExit
from gevent.queue import Channel

ch = Channel()


def t1():
    print('t1 start')
    gevent.sleep(0)
    print('t1 yielded')
    ch.put(2)
    print('t1 put 2')
    print('t1 end')


def t2():
    print('t2 start')
    print('t2 got', ch.get())
    print('t2 end')


def t3():
    print('t3 start')
    ch.put(3)
    print('t3 put 3')
    print('t3 end')


print('main start')
gevent.spawn(t1)
gevent.spawn(t2)
gevent.spawn(t3)
print('main got', ch.get())
try:
    ch.put(4)
except LoopExit:
    print('main loopexit')
