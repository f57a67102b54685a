# A greenlet's end is notified to its joiners in the order they joined: t2's joinall, resumed
# by t3's end, still waits for t1's, whose pass resumes main (which joined t1 first) before
# it; main then ends the program (SEMANTICS rules 6, 7).
import gevent
from gevent.event import Event

e = Event()
G = {}


def t1():
    print('t1 start')
    gevent.sleep(0)
    print('t1 yielded')
    G['t3'].kill()
    print('t1 kill t3')
    print('t1 end')


def t2():
    print('t2 start')
    done = gevent.joinall([G['t1'], G['t3']])
    print('t2 joinall', ' '.join(g.name for g in done))
    print('t2 end')


def t3():
    print('t3 start')
    try:
        e.wait()
    except gevent.GreenletExit:
        print('t3 killed')
        raise


print('main start')
for name, body in (('t1', t1), ('t3', t3), ('t2', t2)):
    G[name] = gevent.spawn(body)
    G[name].name = name
G['t1'].join()
print('main join t1 done')
print('main end')
