# kill() goes through the run queue: it raises GreenletExit (or the exception given) at the
# target's block point when the hub gets to it, after what was queued before. The default
# kill() waits until the target is dead; kill(block=False) returns at once; a target may catch
# the kill and go on, and kill(timeout=) then returns with it alive; a greenlet that kills
# itself sees the kill at its next block. (greenery: a kill caught by catch_kill takes this
# path; a kill nothing catches drops the task at once.)
import gevent
from gevent import GreenletExit

gevent.get_hub().exception_stream = None   # hide the printed traceback


class Halt(Exception):
    pass


def alive(g):
    return 'dead' if g.dead else 'alive'


def sleeper(name):
    try:
        print(name, 'sleeping')
        gevent.sleep(10)
    except GreenletExit:
        print(name, 'caught the kill')
    finally:
        print(name, 'finally')


g = gevent.spawn(sleeper, 'g')
gevent.sleep(0)
gevent.spawn(print, 'queued before the kill')
print('kill()')
g.kill()
print('kill() returned;', alive(g))
print('---')
b = gevent.spawn(sleeper, 'b')
gevent.sleep(0)
gevent.spawn(print, 'queued before the kill')
b.kill(block=False)
print('kill(block=False) returned;', alive(b))
gevent.spawn(print, 'queued after the kill')
gevent.sleep(0)
print('after sleep(0):', alive(b))
print('--- kill with a reason, nothing catches it')


def plain(name):
    try:
        print(name, 'sleeping')
        gevent.sleep(10)
    finally:
        print(name, 'finally')


c = gevent.spawn(plain, 'c')
gevent.sleep(0)
c.kill(Halt('halt'))
print('joiner sees:', c.exception, '|', 'successful' if c.successful() else 'failed')
print('--- caught and ignored')


def stubborn():
    try:
        gevent.sleep(10)
    except GreenletExit:
        print('stubborn caught the kill')
        gevent.sleep(0.05)
        print('stubborn finishing')
        return 'ret'


s = gevent.spawn(stubborn)
gevent.sleep(0)
s.kill(timeout=0.01)
print('kill(timeout=0.01) returned;', alive(s))
s.join()
print('value', s.value)
print('--- a greenlet that kills itself')


def selfkill():
    try:
        print('before kill')
        gevent.getcurrent().kill(block=False)
        print('after kill(block=False)')
        gevent.sleep(0)
        print('never')
    except GreenletExit:
        print('caught at the next block')


gevent.spawn(selfkill).join()
print('end')
