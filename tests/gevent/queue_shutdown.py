# Queue.shutdown() (gevent >= 24.10, Python 3.13's): puts fail with ShutDown from then on,
# a putter waiting on a full queue too; getters take what is left, then get ShutDown
# (greenery: Queue::close; puts give Closed(item) back, `next` returns None at the end).
import gevent
from gevent.queue import Queue, ShutDown

q = Queue()


def consumer(name):
    while True:
        try:
            item = q.get()
        except ShutDown:
            print(name, 'sees the end')
            return
        print(name, 'got', item)
        gevent.sleep(0)


c1 = gevent.spawn(consumer, 'c1')
c2 = gevent.spawn(consumer, 'c2')
gevent.sleep(0)
q.put(1)
q.put(2)
q.put(3)
gevent.sleep(0)
q.put(4)
q.put(5)
q.shutdown()
print('shut down with', q.qsize(), 'items left')
try:
    q.put(6)
except ShutDown:
    print('put after the shutdown: ShutDown')
gevent.joinall([c1, c2])
print('left', q.qsize())
print('--- a putter waiting on a full queue')
b = Queue(1)
b.put('x')


def putter():
    try:
        b.put('y')
    except ShutDown:
        print('waiting putter: ShutDown')


p = gevent.spawn(putter)
gevent.sleep(0)
b.shutdown()
p.join()
print('a get still drains:', b.get())
try:
    b.get()
except ShutDown:
    print('then the end: ShutDown')
