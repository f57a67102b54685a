# A bounded queue's hand-out pass alternates: it serves main (the first getter), admits t2's
# waiting put, then serves t1, each until it blocks (SEMANTICS rule 21; Queue._unlock).
import gevent
from gevent.queue import Queue

q = Queue(2)


def t1():
    print('t1 start')
    print('t1 got', q.get())
    print('t1 end')


def t2():
    print('t2 start')
    q.put(4)
    print('t2 put 4')
    q.put_nowait(5)
    print('t2 put 5')
    q.put(6)
    print('t2 put 6')
    print('t2 end')


print('main start')
gs = [gevent.spawn(t1), gevent.spawn(t2)]
print('main got', q.get())
done = gevent.joinall(gs)
print('main joinall', ' '.join('t%d' % (gs.index(g) + 1) for g in done))
print('main end')
