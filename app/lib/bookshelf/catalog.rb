require 'csv'

module Bookshelf
  Book = Struct.new(:title, :author, :year, keyword_init: true) do
    def to_h
      { title: title, author: author, year: year }
    end
  end

  # The bundled book list, searchable by words of the title or the author.
  class Catalog
    include Enumerable

    def self.load(path)
      rows = CSV.read(path, headers: true, encoding: 'UTF-8')
      books = rows.map.with_index(2) do |row, line|
        title, author, year = row.values_at('title', 'author', 'year')
        raise ArgumentError, "#{path}:#{line}: a book needs a title, an author and a year" unless title && author && year

        Book.new(title: title, author: author, year: Integer(year, 10))
      end
      new(books)
    end

    def initialize(books)
      @books = books.freeze
      # Precomputed once: a search then costs one substring test per word and book.
      @index = books.map { |book| [book, Catalog.fold("#{book.title} #{book.author}")] }
    end

    def each(&block)
      @books.each(&block)
    end

    def size
      @books.size
    end

    # Every word of the query must appear in the title or the author; case and accents are ignored.
    def search(query, limit: 20)
      words = Catalog.fold(query.to_s).split
      return [] if words.empty?

      @index.select { |_, text| words.all? { |word| text.include?(word) } }
            .map(&:first)
            .sort_by { |book| [book.title, book.year] }
            .first(limit)
    end

    # "Émile Zola" and "emile zola" must find the same books.
    def self.fold(text)
      text.unicode_normalize(:nfkd).gsub(/\p{Mn}/, '').downcase
    end
  end
end
