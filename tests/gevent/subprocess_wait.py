# gevent's subprocess example (gevent docs, "Subprocess"), made deterministic: one job ends
# in time, one does not and is killed; the loop keeps running meanwhile; input piped through.
import gevent
from gevent import subprocess

p1 = subprocess.Popen(['uname'], stdout=subprocess.PIPE)
p2 = subprocess.Popen(['sh', '-c', 'sleep 3; echo late'], stdout=subprocess.PIPE)
ticks = []


def ticker():
    while True:
        gevent.sleep(0.1)
        ticks.append(1)


t = gevent.spawn(ticker)
gevent.wait([p1, p2], timeout=0.5)
for name, p in [('uname', p1), ('sleeper', p2)]:
    if p.poll() is not None:
        print('%s: %r' % (name, p.stdout.read()))
    else:
        print('%s: job is still running' % name)
        p.kill()
        p.wait()
        print('%s: killed, returncode %s' % (name, p.returncode))
print('the loop kept running:', len(ticks) >= 3)
p3 = subprocess.run(['tr', 'a-z', 'A-Z'], input=b'piped through', capture_output=True)
print('tr: %r, returncode %s' % (p3.stdout, p3.returncode))
t.kill()
