# Links (SEMANTICS rule 10): callbacks run after the greenlet ends, in registration order,
# interleaved with the joiners (joins are links too), each in a greenlet of its own (one that
# blocks lets the next run); link_value only after a value, link_exception only after a
# failure; unlink removes one; a greenlet killed before it started still runs its links; a
# link added after the end still runs, later. (gevent counts a plain kill as a success; the
# kill here has a reason, which both count as a failure.)
import gevent

gevent.get_hub().exception_stream = None   # hide the printed traceback


class Halt(Exception):
    pass


def body(fail=False):
    gevent.sleep(0.01)
    if fail:
        raise ValueError('boom')
    return 'v'


def joiner(t, n):
    t.join()
    print('joiner', n, 'resumed')


def blocking_link(t):
    print('blocking link start')
    gevent.sleep(0)
    print('blocking link end')


def never(t):
    print('unlinked (never)')


g = gevent.spawn(body)
gevent.spawn(joiner, g, 1)
g.link(lambda t: print('link 1'))
gevent.sleep(0)                     # joiner 1 joins now: after link 1
gevent.spawn(joiner, g, 2)
g.link_value(lambda t: print('link_value'))
g.link_exception(lambda t: print('link_exception (never)'))
g.link(blocking_link)
g.link(never)
g.unlink(never)
g.link(lambda t: print('link 3'))
gevent.spawn(print, 'spawned before the end')
g.join()                            # main joins after link 3, before joiner 2
print('main joined')
gevent.sleep(0.02)
print('--- panicked')
b = gevent.spawn(body, True)
b.link(lambda t: print('link of a failure'))
b.link_value(lambda t: print('link_value (never)'))
b.link_exception(lambda t: print('link_exception of a failure'))
gevent.sleep(0.02)
print('--- killed with a reason while waiting')
k = gevent.spawn(body)
k.link(lambda t: print('link of a killed one'))
k.link_value(lambda t: print('link_value (never)'))
k.link_exception(lambda t: print('link_exception of a killed one'))
gevent.sleep(0)
k.kill(Halt('halt'))
print('kill returned')
gevent.sleep(0)
print('--- killed before it started')
n = gevent.spawn(body)
n.link(lambda t: print('link of a never-started one'))
n.kill()
print('kill returned')
gevent.sleep(0)
print('--- linked after the end')
n.link(lambda t: print('late link'))
print('late link registered')
gevent.sleep(0)
print('end')
