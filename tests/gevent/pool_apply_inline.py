# Pool.apply() called from a greenlet of the same pool runs the function right there, in the
# caller, instead of waiting for a slot: a Pool(1) whose greenlet applies work to its own pool
# does not deadlock. From outside the pool, apply waits for a slot and runs in a new greenlet.
import gevent
from gevent.pool import Pool

pool = Pool(1)


def where(caller):
    return 'in the caller' if gevent.getcurrent() is caller else 'in another greenlet'


def inner(caller):
    print('inner runs', where(caller))
    return 'inner'


def outer():
    print('outer applies to its own full pool; free slots:', pool.free_count())
    result = pool.apply(inner, (gevent.getcurrent(),))
    print('outer got', result)
    return 'outer'


g = pool.spawn(outer)
print('main: outer returned', g.get())
print('main applies from outside:', pool.apply(inner, (gevent.getcurrent(),)))
