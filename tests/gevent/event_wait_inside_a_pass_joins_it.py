# A waiter resumed by an Event's notification pass that waits again while the flag is set joins
# the pass in progress (SEMANTICS rule 17): t2's second wait returns within the same pass; its
# third wait came after the pass stopped taking newcomers, so it waits for the next pass,
# queued behind t1's end (main's join), and main ends the program first.
import gevent
from gevent.event import Event

e = Event()


def t1():
    print('t1 start')
    gevent.sleep(0.025)
    print('t1 slept')
    e.set()
    print('t1 set e')
    print('t1 end')


def t2():
    print('t2 start')
    for _ in range(3):
        e.wait()
        print('t2 wait e true')
    print('t2 end')


def t3():
    print('t3 start')
    e.set()
    print('t3 set e')
    print('t3 end')


print('main start')
g1 = gevent.spawn(t1)
gevent.spawn(t3)
e.wait()
print('main wait e true')
e.clear()
print('main clear e')
gevent.spawn(t2)
g1.join()
print('main join t1')
print('main end')
