# A greenlet's joiners (and links) hear of its end from a notification callback queued when
# it ends (gevent/greenlet.py, __report_result: run_callback(_notify_links)), behind what is
# already runnable: here behind main's sleep(0), so main resumes first.
import gevent

g = gevent.spawn(print, 'g runs and ends')
g.rawlink(lambda _: print('link called'))
gevent.sleep(0)
print('main resumed after sleep(0)')
gevent.sleep(0)
print('main resumed again')
