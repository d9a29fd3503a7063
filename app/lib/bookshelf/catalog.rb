require 'csv'

module Bookshelf
  Book = Struct.new(:id, :title, :author, :year, keyword_init: true) do
    def to_h
      { id: id, title: title, author: author, year: year }.compact
    end

    def self.from_row(row)
      new(id: Integer(row['id'], 10), title: row['title'], author: row['author'], year: Integer(row['year'], 10))
    end
  end

  # The catalog in PostgreSQL: books searchable by words of the title or the author, and new books.
  class Catalog
    MAX_TEXT = 200
    YEARS = (-3000..2100).freeze

    # The bundled book list (the seed of migration 2); a bad row is named by file and line.
    def self.read_csv(path)
      rows = CSV.read(path, headers: true, encoding: 'UTF-8')
      rows.map.with_index(2) do |row, line|
        title, author, year = row.values_at('title', 'author', 'year')
        raise ArgumentError, "#{path}:#{line}: a book needs a title, an author and a year" unless title && author && year

        Book.new(title: title, author: author, year: Integer(year, 10))
      end
    end

    # "Émile Zola" and "emile zola" must find the same books: rows store this folded text, queries are folded alike.
    def self.fold(text)
      text.unicode_normalize(:nfkd).gsub(/\p{Mn}/, '').downcase
    end

    def self.search_text(title, author)
      fold("#{title} #{author}")
    end

    # The words are matched literally: LIKE's wildcards in a query are escaped.
    def self.like_pattern(word)
      "%#{word.gsub(/[\\%_]/) { |c| "\\#{c}" }}%"
    end

    # The problems with a new book's fields (empty when it can be added).
    def self.problems(title:, author:, year:)
      problems = []
      { 'title' => title, 'author' => author }.each do |name, value|
        if !value.is_a?(String) || value.strip.empty? then problems << "#{name} must be a non-empty string"
        elsif value.length > MAX_TEXT then problems << "#{name} is longer than #{MAX_TEXT} characters"
        end
      end
      problems << "year must be an integer between #{YEARS.min} and #{YEARS.max}" unless year.is_a?(Integer) && YEARS.cover?(year)
      problems
    end

    INSERT = <<~SQL.freeze
      INSERT INTO books (title, author, year, search_text) VALUES ($1, $2, $3, $4)
      ON CONFLICT (title, author, year) DO NOTHING RETURNING id
    SQL

    def initialize(pool)
      @pool = pool
    end

    def size
      @pool.with(retry_stale: true) { |conn| conn.exec('SELECT count(*) FROM books').getvalue(0, 0).to_i }
    end

    # Every word of the query must appear in the title or the author; case and accents are ignored.
    def search(query, limit: 20)
      words = Catalog.fold(query.to_s).split
      return [] if words.empty?

      conditions = words.each_index.map { |i| "search_text LIKE $#{i + 1} ESCAPE '\\'" }
      sql = "SELECT id, title, author, year FROM books WHERE #{conditions.join(' AND ')} ORDER BY title, year LIMIT #{Integer(limit)}"
      @pool.with(retry_stale: true) do |conn|
        conn.exec_params(sql, words.map { |word| Catalog.like_pattern(word) }).map { |row| Book.from_row(row) }
      end
    end

    def find(id)
      @pool.with(retry_stale: true) do |conn|
        row = conn.exec_params('SELECT id, title, author, year FROM books WHERE id = $1', [id]).first
        row && Book.from_row(row)
      end
    end

    # Adds a book (committed when this returns: one autocommitted statement) and says whether it is
    # new. The same book again returns the existing row, so a client retrying after a lost answer
    # does not make a duplicate.
    def add(title:, author:, year:)
      title = title.strip
      author = author.strip
      @pool.with do |conn|
        inserted = conn.exec_params(INSERT, [title, author, year, Catalog.search_text(title, author)]).first
        next [Book.new(id: Integer(inserted['id'], 10), title: title, author: author, year: year), true] if inserted

        row = conn.exec_params('SELECT id, title, author, year FROM books WHERE title = $1 AND author = $2 AND year = $3', [title, author, year]).first
        [Book.from_row(row), false]
      end
    end
  end
end
