# A Channel's hand-out pass resumes the getter and then at once the putter whose item it took,
# before the greenlets already runnable (SEMANTICS rule 22): t1's put returns before t2's
# yield.
import gevent
from gevent.queue import Channel

ch = Channel()


def t1():
    print('t1 start')
    ch.put(1)
    print('t1 put 1')
    print('t1 end')


def t2():
    print('t2 start')
    gevent.sleep(0)
    print('t2 yielded')
    print('t2 end')


print('main start')
gevent.spawn(t1)
gevent.spawn(t2)
print('main got', ch.get())
gevent.sleep(0)
print('main yielded')
print('main end')
