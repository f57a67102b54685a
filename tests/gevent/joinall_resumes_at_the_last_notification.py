# joinall is resumed by the notification pass of each greenlet's end in turn, and returns from
# that of the last one it needs (SEMANTICS rule 7): t3's end is notified after the pass of the
# event t3 set, so main (resumed by the event) ends the program before t1's joinall returns.
import gevent
from gevent.event import Event

e = Event()


def t1(gs):
    print('t1 start')
    done = gevent.joinall(gs)
    print('t1 joinall', ' '.join(g.name for g in done))
    print('t1 end')


def t2():
    print('t2 start')
    print('t2 end')


def t3():
    print('t3 start')
    e.set()
    print('t3 set e')
    print('t3 end')


print('main start')
gs = []
gevent.spawn(t1, gs)
gs.append(gevent.spawn(t2))
gs[0].name = 't2'
gs.append(gevent.spawn(t3))
gs[1].name = 't3'
e.wait()
print('main wait e true')
print('main end')
