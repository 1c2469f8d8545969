package dev.panamarnn.service;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * Netty's socket transport for the service and its load generator: Java NIO (everywhere), Linux's native epoll
 * (netty-transport-native-epoll), or AUTO: epoll where it loads, NIO elsewhere.
 */
enum Transport {
    NIO, EPOLL, AUTO;

    /** NIO or EPOLL: AUTO becomes EPOLL where Netty's epoll library loads (Linux x86-64), NIO elsewhere. */
    Transport resolved() {
        return this != AUTO ? this : Epoll.isAvailable() ? EPOLL : NIO;
    }

    /** The event loops' I/O handler; EPOLL where it is not available is an IllegalArgumentException naming why. */
    IoHandlerFactory ioHandlers() {
        return switch (resolved()) {
            case NIO, AUTO -> NioIoHandler.newFactory();
            case EPOLL -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalArgumentException("--transport epoll is not available here (" + Epoll.unavailabilityCause()
                            + "); use --transport nio");
                }
                yield EpollIoHandler.newFactory();
            }
        };
    }

    Class<? extends ServerChannel> serverChannel() {
        return resolved() == NIO ? NioServerSocketChannel.class : EpollServerSocketChannel.class;
    }

    /** A client's connection (the load generator's). */
    Class<? extends SocketChannel> socketChannel() {
        return resolved() == NIO ? NioSocketChannel.class : EpollSocketChannel.class;
    }
}
