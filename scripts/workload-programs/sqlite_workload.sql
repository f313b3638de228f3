-- sqlite_workload.sql - the sqlite workload: builds a 50k-row table and
-- a second one from recursive CTEs (deterministic), indexes, joins, groups.
CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, price REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
INSERT INTO item SELECT i, 'item-' || (i * 7919 % 100003), i % 97, (i * 31 % 1000) / 10.0 FROM n;
CREATE TABLE grp(id INTEGER PRIMARY KEY, label TEXT);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 96)
INSERT INTO grp SELECT i, printf('group %03d', i) FROM n;
CREATE INDEX item_name ON item(name);
CREATE INDEX item_grp ON item(grp, price);
SELECT g.label, count(*), sum(i.price) FROM item i JOIN grp g ON g.id = i.grp
GROUP BY g.label ORDER BY 3 DESC LIMIT 3;
SELECT count(DISTINCT substr(name, 1, 8)) FROM item;
UPDATE item SET name = name || '-x' WHERE id % 3 = 0;
DELETE FROM item WHERE grp > 80;
SELECT group_concat(name, ',') IS NOT NULL FROM (SELECT name FROM item ORDER BY name LIMIT 2000);
