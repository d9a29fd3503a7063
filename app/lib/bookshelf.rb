require_relative 'bookshelf/database'
require_relative 'bookshelf/catalog'
require_relative 'bookshelf/app'
