# joinall(count=2) returns from the notification pass of the second greenlet to end, after the
# joiners the first one's pass resumed (SEMANTICS rule 7): t3's joinall of t1 returns first.
import gevent

G = {}


def t1():
    print('t1 start')
    try:
        gevent.sleep(0.015)
    except gevent.GreenletExit:
        print('t1 killed')
        raise


def t2():
    print('t2 start')
    G['t1'].kill()
    print('t2 kill t1')
    print('t2 end')


def t3():
    print('t3 start')
    done = gevent.joinall([G['t1']])
    print('t3 joinall', ' '.join(g.name for g in done))
    print('t3 end')


print('main start')
for name, body in (('t1', t1), ('t3', t3), ('t2', t2)):
    G[name] = gevent.spawn(body)
    G[name].name = name
done = gevent.joinall([G['t1'], G['t2'], G['t3']], count=2)
print('main joinall', ' '.join(g.name for g in done))
print('main end')
