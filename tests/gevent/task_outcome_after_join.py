# A greenlet's outcome stays readable after joinall (or a join) consumed it: dead,
# successful(), exception and value (greenery: Task::is_finished, is_successful, error, and
# JoinHandle::value before the handle is consumed). joinall returns the already-dead first
# (input order), then in completion order: greenery's joinall_indexed gives the input indices.
import gevent

gevent.get_hub().exception_stream = None   # hide the printed traceback


class Halt(Exception):
    pass


def ok():
    gevent.sleep(0.02)
    return 'v'


def bad():
    gevent.sleep(0.01)
    raise ValueError('boom')


def stuck():
    gevent.sleep(10)


gs = [gevent.spawn(ok), gevent.spawn(bad), gevent.spawn(stuck)]
gevent.sleep(0)
gs[2].kill(Halt('halt'))
print('value before the end:', gs[0].value)
done = gevent.joinall(gs)
print('joinall order (input indices):', [gs.index(g) for g in done])
for name, g in zip(('ok', 'bad', 'killed'), gs):
    print(name, '| dead', g.dead, '| successful', g.successful(),
          '| exception', g.exception, '| value', g.value)
