# Event.wait() on a set event joins the notification pass that is pending (SEMANTICS rule 17;
# gevent/_abstract_linkable.py, _wait: "we're already notifying waiters"): t1 sets e and waits
# on it at once; its wait returns after main's, which the pass resumes first (main blocked
# first). Once no pass is pending or running, a wait on the set event returns at once.
import gevent
from gevent.event import Event

e = Event()


def t1():
    print('t1 start')
    e.set()
    print('t1 set e')
    e.wait()
    print('t1 wait e true')
    print('t1 end')


print('main start')
gevent.spawn(t1)
e.wait()
print('main wait e true')
gevent.sleep(0)
print('main yielded')
e.wait()
print('main wait e true at once')
print('main end')
