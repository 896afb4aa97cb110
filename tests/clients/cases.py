"""Programs shared by the verl, SandboxFusion and load checks."""

BIG = 2_000_000  # one write, larger than SandboxFusion's (and rlvr's old) 1 MiB cut
OS_BIG = 1_500_000
OVER_CAP = 5_000_000  # over the server's 4 MiB output cap

BIG_WRITE = 'import sys\nsys.stdout.write("x" * 2_000_000)\n'
OS_WRITE = 'import os\nos.write(1, b"y" * 1_500_000)\n'
OVER_CAP_WRITE = 'import sys\nsys.stdout.write("z" * 5_000_000)\n'

ADD_STDIO = "a, b = map(int, input().split())\nprint(a + b)\n"
SUB_STDIO = "a, b = map(int, input().split())\nprint(a - b)\n"
STDIO_TESTS = {"inputs": ["1 2\n", "3 4\n"], "outputs": ["3\n", "7\n"]}

# verl's call-based encoding: each input is the arguments as JSON, one per line; each output is
# the JSON of the return value.
ADD_CALL = {"fn_name": "add", "inputs": ["1\n2", "3\n4"], "outputs": ["3", "7"]}
ADD_FN = "def add(a, b):\n    return a + b\n"
ADD_FN_WRONG = "def add(a, b):\n    return a * b\n"
ADD_SOLUTION_CLASS = "class Solution:\n    def add(self, a: int, b: int) -> int:\n        return a + b\n"

# The competitive-programming habit: deep recursion on a big-stack thread.
DEPTH = 20_000
CP_THREADING = """import sys, threading

def main():
    n = int(sys.stdin.readline())

    def depth(k):
        return 0 if k == 0 else 1 + depth(k - 1)

    print(depth(n))

sys.setrecursionlimit(10**6)
threading.stack_size(2**27)
t = threading.Thread(target=main)
t.start()
t.join()
"""

NUMPY = "import numpy\nprint(numpy.zeros(3).sum())\n"

INFINITE_LOOP = "while True:\n    pass\n"


def fenced(code: str, before: str = "Here is my solution.\n\n") -> str:
    """A model response with the program in a ```python fence (verl takes the last one)."""
    return f"{before}```python\n{code}```\n"
