-- One database and one login per service (local docker compose only; production uses a managed PostgreSQL and
-- secrets). Each service owns its schema: migrations run as that user, and no service can read another's tables.
CREATE ROLE collection LOGIN PASSWORD 'collection';
CREATE DATABASE collection OWNER collection;
CREATE ROLE grid_dispatch LOGIN PASSWORD 'grid_dispatch';
CREATE DATABASE grid_dispatch OWNER grid_dispatch;
CREATE ROLE library_metrics LOGIN PASSWORD 'library_metrics';
CREATE DATABASE library_metrics OWNER library_metrics;
CREATE ROLE assist_desk LOGIN PASSWORD 'assist_desk';
CREATE DATABASE assist_desk OWNER assist_desk;
CREATE ROLE evaluation LOGIN PASSWORD 'evaluation';
CREATE DATABASE evaluation OWNER evaluation;
REVOKE CONNECT ON DATABASE postgres FROM PUBLIC;
