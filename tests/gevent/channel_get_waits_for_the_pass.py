# Channel.get() waits for the hand-out pass even when a putter offers an item already, and the
# pass resumes the putter right after the getter (SEMANTICS rule 22; Channel._unlock): main's
# second get returns after t1's put, not at once.
import gevent
from gevent.queue import Channel

ch = Channel()


def putter(name, v):
    print(name, 'start')
    ch.put(v)
    print(name, 'put', v)
    print(name, 'end')


print('main start')
gevent.spawn(putter, 't1', 1)
gevent.spawn(putter, 't2', 2)
print('main got', ch.get())
print('main got', ch.get())
print('main end')
