# Each round of a bounded queue's hand-out pass admits a waiting putter before it serves a
# getter (SEMANTICS rule 21; Queue._unlock): the pass t1's first put queued (main waits to get)
# runs after t2 took an item without waiting; it admits t1's third put first, then serves main.
import gevent
from gevent.queue import Queue

q = Queue(2)


def t1():
    print('t1 start')
    for v in (1, 2, 3):
        q.put(v)
        print('t1 put', v)
    print('t1 end')


def t2():
    print('t2 start')
    print('t2 got', q.get_nowait())
    print('t2 end')


print('main start')
gevent.spawn(t1)
gevent.spawn(t2)
print('main got', q.get())
print('main end')
