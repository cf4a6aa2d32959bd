# Imports each module named on the command line and reports the ones whose code is broken at
# import time (a stray name, a circular or missing import), which a syntax check cannot see.
# Scripts that read stdin, exit or loop when imported are not counted: only broken code is.
import importlib, os, signal, sys, traceback
class Slow(Exception):
    pass
def alarm(*_):
    raise Slow()
signal.signal(signal.SIGALRM, alarm)
root = os.getcwd() + os.sep
errors = {}  # one line per distinct error; the modules it breaks
for name in sys.argv[1:]:
    signal.alarm(5)
    try:
        importlib.import_module(name)
    except (ImportError, NameError, SyntaxError, AttributeError) as e:
        frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename.startswith(root)]
        where = f" ({frames[-1].filename[len(root):]}:{frames[-1].lineno})" if frames else ""
        errors.setdefault(f"{type(e).__name__}: {e}{where}", []).append(name)
    except BaseException:
        pass
    finally:
        signal.alarm(0)
for error, names in errors.items():
    print(f"import {names[0]} failed: {error}")
    if len(names) > 1:
        print(f"  the same error breaks: {', '.join(names[1:])}")
sys.exit(1 if errors else 0)
