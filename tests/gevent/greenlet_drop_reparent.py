# When the last reference to a suspended greenlet goes, greenlet raises GreenletExit in it
# with its parent set to the greenlet that dropped it (the dropper), whatever its parent was.
from greenlet import greenlet, getcurrent, GreenletExit

main = getcurrent()
names = {main: 'main'}


def victim():
    try:
        getcurrent().parent.switch('suspended')
    except GreenletExit:
        print('victim: parent in GreenletExit is', names.get(getcurrent().parent, '?'))
        return 'victim-ret'


def dropper():
    v = greenlet(victim)
    print('victim created by the dropper:', v.parent is getcurrent())
    print('dropper <-', v.switch())
    v.parent = main
    print('victim re-parented to main; the dropper drops the last reference')
    del v
    print('dropper goes on')
    return 'dropper-ret'


d = greenlet(dropper)
names[d] = 'dropper'
print('main <-', d.switch())
