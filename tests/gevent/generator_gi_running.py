# gi_running is True only while the generator's body executes (inside it, or in code it
# calls); before the first next(), at a yield and after the end it is False. An async
# generator's ag_running stays True while its body awaits something in the middle of an
# anext() (greenery: Generator::is_running, AsyncGenerator::is_running).
import asyncio


def gen():
    print('inside: gi_running', g.gi_running)
    yield 1


g = gen()
print('before: gi_running', g.gi_running)
print('next ->', next(g))
print('at the yield: gi_running', g.gi_running)
next(g, None)
print('after the end: gi_running', g.gi_running)


async def agen():
    await asyncio.sleep(0)
    yield 1


async def main():
    a = agen()
    step = asyncio.ensure_future(a.__anext__())
    await asyncio.sleep(0)           # the body now waits in sleep(0), inside anext()
    print('awaiting inside anext: ag_running', a.ag_running)
    print('anext ->', await step)
    print('at the yield: ag_running', a.ag_running)

asyncio.run(main())
