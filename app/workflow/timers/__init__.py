"""Time: the scheduler tick and the ticker thread that drives it, the instances' timer rows and
firing the due ones, task deadlines and their alerts, and recomputing provisional deadlines."""
