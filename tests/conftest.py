import os

# one thread per process: on 2 cores torch stalls with two threads in one process
os.environ.setdefault("OMP_NUM_THREADS", "1")
