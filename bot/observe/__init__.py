"""What an operator sees of a running bot or worker: Prometheus metrics, health and readiness
endpoints, and logs as text or JSON lines."""
