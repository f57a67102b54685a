# joinall(count=1) returns one greenlet, even when more have ended (SEMANTICS rule 7).
import gevent


def body(name):
    print(name, 'start')
    print(name, 'end')


print('main start')
gs = [gevent.spawn(body, 't1'), gevent.spawn(body, 't2')]
gs[0].name, gs[1].name = 't1', 't2'
gevent.sleep(0)
done = gevent.joinall(gs, count=1)
print('main joinall', ' '.join(g.name for g in done))
print('main end')
