DROP TABLE access_log_children;
