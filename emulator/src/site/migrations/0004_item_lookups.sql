-- Version 4: the import finds a file's or folder's list item by the file or folder, once per
-- object; without these indexes each lookup scans every item of the site.
CREATE INDEX list_items_file ON list_items(file_id);
CREATE INDEX list_items_folder ON list_items(folder_id);
