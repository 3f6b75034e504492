"""
The operations of the library. Each public function owns its transaction; views, tasks, commands
and the admin only adapt inputs and outputs to these.
"""
