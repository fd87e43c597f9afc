"""A job's way: a request becomes a plan, a plan a job, the job goes through a queue backend
to a painter, and the result comes back to be delivered."""
