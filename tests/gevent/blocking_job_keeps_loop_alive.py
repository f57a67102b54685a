# A detached threadpool job keeps the loop alive while it runs: main, blocked on an Event
# nobody can set, gets LoopExit only after the job has finished (greenery: spawn_blocking).
import time
import gevent
from gevent.event import Event

log = []
def job():
    time.sleep(0.3)
    log.append('job done')

gevent.get_hub().threadpool.spawn(job)   # handle dropped: detached
t0 = time.time()
try:
    Event().wait()
except gevent.exceptions.LoopExit:
    print(log, 'then LoopExit after the job:', time.time() - t0 >= 0.3)
