"""Reference implementations of the course's exercises. Never shipped to students."""
