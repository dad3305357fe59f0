"""Performance measurement: timers, statistics, memory, environment."""
